#include "actrec/output/mqtt_client.hpp"

#include <fmt/format.h>
#include <mosquitto.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <mutex>

#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"

namespace actrec::output {

std::pair<std::string, int> parse_host_port(const std::string& text, int default_port,
                                            const std::string& option, bool any_port) {
  std::string host = text, port_text;
  if (!text.empty() && text.front() == '[') {  // [::1]:1883
    const size_t close = text.find(']');
    if (close == std::string::npos) {
      throw ConfigError("invalid " + option + ": " + text + ": no closing ']'");
    }
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') throw ConfigError("invalid " + option + ": " + text);
      port_text = text.substr(close + 2);
    }
  } else if (const size_t colon = text.rfind(':');
             colon != std::string::npos && text.find(':') == colon) {
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  if (host.empty()) throw ConfigError("invalid " + option + ": " + text + ": no host");
  int port = default_port;
  if (!port_text.empty() || text.back() == ':') {
    const auto [end, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    const int lowest = any_port ? 0 : 1;
    if (error != std::errc() || end != port_text.data() + port_text.size() || port < lowest ||
        port > 65535) {
      throw ConfigError(
          fmt::format("invalid {}: {}: the port must be {}..65535", option, text, lowest));
    }
  }
  return {host, port};
}

namespace {
std::once_flag library_ready;
}

MqttClient::MqttClient(const MqttOptions& options) : host_(options.host), port_(options.port) {
  std::call_once(library_ready, [] { mosquitto_lib_init(); });
  client_ =
      mosquitto_new(options.client_id.empty() ? nullptr : options.client_id.c_str(), true, this);
  if (!client_) throw Error("cannot start MQTT: " + address() + ": out of memory");
  auto check = [&](int code, const char* what) {
    if (code != MOSQ_ERR_SUCCESS) {
      mosquitto_destroy(client_);
      throw ConfigError(
          fmt::format("invalid MQTT {}: {}: {}", what, address(), mosquitto_strerror(code)));
    }
  };
  if (!options.will_topic.empty()) {
    check(mosquitto_will_set(client_, options.will_topic.c_str(),
                             static_cast<int>(options.will_payload.size()),
                             options.will_payload.data(), 1, true),
          "topic");
  }
  if (!options.user.empty()) {
    check(mosquitto_username_pw_set(client_, options.user.c_str(),
                                    options.password.empty() ? nullptr : options.password.c_str()),
          "user");
  }
  mosquitto_connect_callback_set(client_, &MqttClient::on_connect);
  mosquitto_disconnect_callback_set(client_, &MqttClient::on_disconnect);
  mosquitto_publish_callback_set(client_, &MqttClient::on_publish);
  // Tries again 1 s after a lost connection, then every 2 s: a broker back from a restart hears
  // of a fall within seconds, and a try costs nothing.
  mosquitto_reconnect_delay_set(client_, 1, 2, false);
  check(mosquitto_loop_start(client_), "client");
  const int code = mosquitto_connect_async(client_, host_.c_str(), port_, 30);
  if (code != MOSQ_ERR_SUCCESS) {
    // The background loop tries again; a name that does not resolve is worth saying now.
    log::warn("MQTT broker {}: not reachable yet ({}); trying again in the background", address(),
              code == MOSQ_ERR_ERRNO ? std::strerror(errno) : mosquitto_strerror(code));
    warned_ = true;
  }
}

MqttClient::~MqttClient() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (connected_ && !goodbye_.first.empty()) {
    int mid = -1;
    const auto& [topic, payload] = goodbye_;
    if (mosquitto_publish(client_, &mid, topic.c_str(), static_cast<int>(payload.size()),
                          payload.data(), 1, true) == MOSQ_ERR_SUCCESS) {
      // Messages go out in order: once the goodbye is acknowledged, all before it are too.
      last_mid_ = mid;
      changed_.wait_for(lock, std::chrono::seconds(2),
                        [&] { return acknowledged_mid_ == mid || !connected_; });
    }
  }
  lock.unlock();
  mosquitto_disconnect(client_);
  mosquitto_loop_stop(client_, false);
  mosquitto_destroy(client_);
}

void MqttClient::on_connect(mosquitto* client, void* self, int code) {
  auto& me = *static_cast<MqttClient*>(self);
  std::lock_guard<std::mutex> lock(me.mutex_);
  if (code != 0) {
    if (!me.warned_) {
      log::warn("MQTT broker {}: refused the connection: {}", me.address(),
                mosquitto_connack_string(code));
      me.warned_ = true;
    }
    return;
  }
  if (me.warned_) log::info("MQTT broker {}: connected", me.address());
  me.warned_ = false;
  me.connected_ = true;
  for (const auto& [topic, payload] : me.retained_) {
    mosquitto_publish(client, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                      payload.data(), 1, true);
  }
  // Then what happened while it was away, in order.
  for (const auto& [topic, payload] : me.queued_) {
    mosquitto_publish(client, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                      payload.data(), 1, false);
  }
  me.queued_.clear();
  if (me.dropped_ > 0) {
    log::warn(
        "MQTT broker {}: {} messages from while it was away were dropped (only the last {} "
        "are kept)",
        me.address(), me.dropped_, kMaxQueued);
    me.dropped_ = 0;
  }
  me.changed_.notify_all();
}

void MqttClient::on_disconnect(mosquitto*, void* self, int code) {
  auto& me = *static_cast<MqttClient*>(self);
  std::lock_guard<std::mutex> lock(me.mutex_);
  if (me.connected_ && code != 0) {
    log::warn("MQTT broker {}: connection lost; reconnecting in the background", me.address());
  } else if (!me.connected_ && !me.warned_) {
    log::warn("MQTT broker {}: cannot connect; trying again in the background", me.address());
    me.warned_ = true;
  }
  me.connected_ = false;
  me.changed_.notify_all();
}

void MqttClient::on_publish(mosquitto*, void* self, int mid) {
  auto& me = *static_cast<MqttClient*>(self);
  std::lock_guard<std::mutex> lock(me.mutex_);
  if (mid == me.last_mid_) {
    me.acknowledged_mid_ = mid;
    me.changed_.notify_all();
  }
}

bool MqttClient::publish(const std::string& topic, const std::string& payload, bool retain) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (retain) retained_[topic] = payload;
  if (connected_ &&
      mosquitto_publish(client_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                        payload.data(), 1, retain) == MOSQ_ERR_SUCCESS) {
    return true;
  }
  // Retained ones go out on connecting anyway; the rest wait for it, the newest kept.
  if (!retain) {
    queued_.emplace_back(topic, payload);
    if (queued_.size() > kMaxQueued) {
      queued_.pop_front();
      ++dropped_;
    }
  }
  return false;
}

void MqttClient::set_goodbye(const std::string& topic, const std::string& payload) {
  std::lock_guard<std::mutex> lock(mutex_);
  goodbye_ = {topic, payload};
}

bool MqttClient::connected() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return connected_;
}

bool MqttClient::wait_connected(double seconds) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, std::chrono::duration<double>(seconds),
                           [&] { return connected_; });
}

}  // namespace actrec::output
