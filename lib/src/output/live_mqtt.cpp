#include "actrec/output/live_mqtt.hpp"

#include <nlohmann/json.hpp>

namespace actrec::output {

std::vector<std::pair<std::string, std::string>> home_assistant_discovery(
    const LiveMqttOptions& options) {
  if (options.discovery.empty()) return {};
  const std::string id = "actrec_" + options.camera;
  const nlohmann::json device = {{"identifiers", {id}},
                                 {"name", "actrec " + options.camera},
                                 {"manufacturer", "actrec"},
                                 {"model", "activity labelling"}};
  const std::string& p = options.prefix;
  nlohmann::json down = {{"name", "Person down"},
                         {"unique_id", id + "_person_down"},
                         {"object_id", id + "_person_down"},
                         {"device_class", "safety"},
                         {"state_topic", p + "/person_down"},
                         {"payload_on", "ON"},
                         {"payload_off", "OFF"},
                         {"availability_topic", p + "/availability"},
                         {"payload_available", "online"},
                         {"payload_not_available", "offline"},
                         {"device", device}};
  nlohmann::json people = {{"name", "People"},
                           {"unique_id", id + "_people"},
                           {"object_id", id + "_people"},
                           {"state_topic", p + "/people"},
                           {"value_template", "{{ value_json.count }}"},
                           {"json_attributes_topic", p + "/people"},
                           {"state_class", "measurement"},
                           {"availability_topic", p + "/availability"},
                           {"payload_available", "online"},
                           {"payload_not_available", "offline"},
                           {"device", device}};
  const std::string& d = options.discovery;
  return {{d + "/binary_sensor/" + id + "/person_down/config", down.dump()},
          {d + "/sensor/" + id + "/people/config", people.dump()}};
}

LiveMqtt::LiveMqtt(const LiveMqttOptions& options) : options_(options) {
  MqttOptions broker = options.broker;
  broker.will_topic = options.prefix + "/availability";
  broker.will_payload = "offline";
  client_ = std::make_unique<MqttClient>(broker);
  client_->set_goodbye(options.prefix + "/availability", "offline");
  for (const auto& [topic, config] : home_assistant_discovery(options)) {
    client_->publish(topic, config, true);
  }
  person_down(false);
  online(false);  // until the source delivers
}

LiveMqtt::~LiveMqtt() = default;

void LiveMqtt::event(const std::string& json) {
  client_->publish(options_.prefix + "/events", json, false);
}

void LiveMqtt::person_down(bool down) {
  if (down_ == static_cast<int>(down)) return;
  down_ = down;
  client_->publish(options_.prefix + "/person_down", down ? "ON" : "OFF", true);
}

void LiveMqtt::people(const std::string& json) {
  if (json == people_) return;
  people_ = json;
  client_->publish(options_.prefix + "/people", json, true);
}

void LiveMqtt::online(bool is_online) {
  if (online_ == static_cast<int>(is_online)) return;
  online_ = is_online;
  client_->publish(options_.prefix + "/availability", is_online ? "online" : "offline", true);
}

}  // namespace actrec::output
