#pragma once
// What `live` publishes over MQTT, with Home Assistant's discovery so that its sensors appear
// by themselves. Under the topic prefix (e.g. actrec/porch):
//   PREFIX/availability  "online" / "offline" (retained; the broker says "offline" when the
//                        process dies, live says it while its stream is lost)
//   PREFIX/person_down   "ON" while someone is down after a fall, else "OFF" (retained)
//   PREFIX/people        {"count": N, "people": [{"person", "label", "confidence"}]} (retained,
//                        published when someone's label or the count changes)
//   PREFIX/events        each event as one JSON object (not retained)
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "actrec/output/mqtt_client.hpp"

namespace actrec::output {

struct LiveMqttOptions {
  MqttOptions broker;
  std::string prefix;  ///< topic prefix, e.g. "actrec/porch"
  std::string camera;  ///< a short name, unique among the user's cameras ("porch")
  /// Home Assistant's discovery prefix; empty: no discovery messages.
  std::string discovery = "homeassistant";
};

/// Topics and payloads of Home Assistant's MQTT discovery for one camera: a binary sensor
/// "Person down" (device class safety) and a sensor "People" (how many are in view, the labels
/// as attributes), both unavailable while the stream is lost. Each pair: topic, JSON config.
std::vector<std::pair<std::string, std::string>> home_assistant_discovery(
    const LiveMqttOptions& options);

class LiveMqtt {
 public:
  /// Connects in the background; publishes discovery, "offline" (until online(true)) and "OFF".
  explicit LiveMqtt(const LiveMqttOptions& options);
  /// Publishes "offline" and disconnects.
  ~LiveMqtt();

  void event(const std::string& json);
  void person_down(bool down);  ///< publishes only changes
  void people(const std::string& json);
  void online(bool online);  ///< publishes only changes
  MqttClient& client() { return *client_; }

 private:
  LiveMqttOptions options_;
  std::unique_ptr<MqttClient> client_;
  int down_ = -1, online_ = -1;  // -1: not published yet
  std::string people_;
};

}  // namespace actrec::output
