#pragma once
// Publishing to an MQTT broker (libmosquitto), for a run that may last for months: the
// connection is made and remade in the background (a broker that restarts, a network that
// drops), and what must be there after a reconnect (retained state) is sent again each time.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

struct mosquitto;

namespace actrec::output {

/// "HOST[:PORT]" or "[V6ADDR]:PORT": host and port (`default_port` when none is given).
/// ConfigError naming `option` for an empty host or a port that is not 1..65535 (0..65535
/// with `any_port`: 0 asks for any free port).
std::pair<std::string, int> parse_host_port(const std::string& text, int default_port,
                                            const std::string& option, bool any_port = false);

struct MqttOptions {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string user, password;  ///< none when `user` is empty
  std::string client_id;       ///< unique per broker
  /// The broker publishes this (retained) when the connection dies without a goodbye.
  std::string will_topic, will_payload;
};

class MqttClient {
 public:
  /// Messages kept while the broker is away: a day of a busy camera's events is far fewer.
  static constexpr size_t kMaxQueued = 1000;

  /// Starts connecting in the background (a broker that is not up yet is tried again every few
  /// seconds, with a warning); ConfigError for options libmosquitto refuses.
  explicit MqttClient(const MqttOptions& options);
  /// Publishes `goodbye` (if set by set_goodbye), then disconnects cleanly.
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  /// QoS 1. A retained message is also kept and sent again after every reconnect; one that is
  /// not is queued while the broker is away (the newest kMaxQueued) and sent, in order, once it
  /// is back. Returns false when it could not be handed to the connection now.
  bool publish(const std::string& topic, const std::string& payload, bool retain);
  /// What to publish (retained) on a clean exit, e.g. availability "offline".
  void set_goodbye(const std::string& topic, const std::string& payload);
  bool connected() const;
  /// Waits up to `seconds` for the connection; whether it is there.
  bool wait_connected(double seconds) const;
  std::string address() const { return host_ + ":" + std::to_string(port_); }

 private:
  static void on_connect(mosquitto* client, void* self, int code);
  static void on_disconnect(mosquitto* client, void* self, int code);
  static void on_publish(mosquitto* client, void* self, int mid);

  mosquitto* client_ = nullptr;
  std::string host_;
  int port_ = 0;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool connected_ = false;
  bool warned_ = false;
  std::map<std::string, std::string> retained_;
  std::deque<std::pair<std::string, std::string>> queued_;  // topic, payload
  int64_t dropped_ = 0;  // queued messages dropped since the broker went away
  std::pair<std::string, std::string> goodbye_;
  int last_mid_ = -1, acknowledged_mid_ = -1;
};

}  // namespace actrec::output
