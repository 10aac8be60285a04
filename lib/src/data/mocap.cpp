#include "actrec/data/mocap.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "actrec/core/error.hpp"
#include "actrec/core/text.hpp"
#include "actrec/core/vec3.hpp"

namespace actrec::data {
using namespace features;
using vec3::operator+;

namespace {

using Quaternion = std::array<double, 4>;  // w x y z

Quaternion multiply(const Quaternion& a, const Quaternion& b) {
  return {a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
          a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
          a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
          a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0]};
}

Quaternion normalised(Quaternion q) {
  const double n = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
  if (!(n > 1e-12)) return {1, 0, 0, 0};
  for (double& v : q) v /= n;
  return q;
}

Point3 rotate(const Quaternion& q, const Point3& v) {
  const Quaternion p = multiply(multiply(q, {0, v[0], v[1], v[2]}), {q[0], -q[1], -q[2], -q[3]});
  return {p[1], p[2], p[3]};
}

// The names of the humanoid this module knows, in the skeleton file's order.
constexpr const char* kJointNames[kMocapJoints] = {
    "root",        "chest",          "neck",          "right_hip",   "right_knee",
    "right_ankle", "right_shoulder", "right_elbow",   "right_wrist", "left_hip",
    "left_knee",   "left_ankle",     "left_shoulder", "left_elbow",  "left_wrist"};

// Where a pose network puts the face and hips on this body (metres, in the neck's and root's
// frames: x forward, y up, z right). The head's centre sits 0.175 m up the neck (the skeleton
// file's head sphere); the hips' keypoints 4 cm outside the hip joints (a hip width of 1.9
// torso lengths' worth, as the feature builder assumes).
constexpr Point3 kHeadCentre{0, 0.175, 0};
constexpr Point3 kNoseOnHead{0.10, -0.01, 0}, kLeftEyeOnHead{0.085, 0.03, -0.033},
    kRightEyeOnHead{0.085, 0.03, 0.033}, kLeftEarOnHead{0.0, 0.0, -0.075},
    kRightEarOnHead{0.0, 0.0, 0.075};
constexpr double kHipKeypointOutside = 0.04;

std::array<Point3, kKeypoints> coco_keypoints(const std::array<Point3, kMocapJoints>& joints,
                                              const Quaternion& root_rotation,
                                              const Quaternion& neck_rotation) {
  std::array<Point3, kKeypoints> k{};
  const Point3 head = joints[kMocapNeck] + rotate(neck_rotation, kHeadCentre);
  k[kNose] = head + rotate(neck_rotation, kNoseOnHead);
  k[kLeftEye] = head + rotate(neck_rotation, kLeftEyeOnHead);
  k[kRightEye] = head + rotate(neck_rotation, kRightEyeOnHead);
  k[kLeftEar] = head + rotate(neck_rotation, kLeftEarOnHead);
  k[kRightEar] = head + rotate(neck_rotation, kRightEarOnHead);
  k[kLeftShoulder] = joints[kMocapLeftShoulder];
  k[kRightShoulder] = joints[kMocapRightShoulder];
  k[kLeftElbow] = joints[kMocapLeftElbow];
  k[kRightElbow] = joints[kMocapRightElbow];
  k[kLeftWrist] = joints[kMocapLeftWrist];
  k[kRightWrist] = joints[kMocapRightWrist];
  k[kLeftHip] = joints[kMocapLeftHip] + rotate(root_rotation, {0, 0, -kHipKeypointOutside});
  k[kRightHip] = joints[kMocapRightHip] + rotate(root_rotation, {0, 0, kHipKeypointOutside});
  k[kLeftKnee] = joints[kMocapLeftKnee];
  k[kRightKnee] = joints[kMocapRightKnee];
  k[kLeftAnkle] = joints[kMocapLeftAnkle];
  k[kRightAnkle] = joints[kMocapRightAnkle];
  return k;
}

nlohmann::json read_json(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in)
    throw DataError(std::string("cannot read ") + what + ": " + path +
                    ": no such file or not readable");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw DataError(std::string("cannot read ") + what + ": " + path + ": " + e.what());
  }
}

}  // namespace

std::vector<MocapSkeletonJoint> read_mocap_skeleton(const std::string& path) {
  const nlohmann::json file = read_json(path, "mocap skeleton");
  std::vector<MocapSkeletonJoint> skeleton;
  try {
    for (const auto& joint : file.at("Skeleton").at("Joints")) {
      MocapSkeletonJoint j;
      j.name = joint.at("Name").get<std::string>();
      j.type = joint.at("Type").get<std::string>();
      j.parent = joint.at("Parent").get<int>();
      j.attach = {joint.at("AttachX").get<double>(), joint.at("AttachY").get<double>(),
                  joint.at("AttachZ").get<double>()};
      skeleton.push_back(j);
    }
  } catch (const nlohmann::json::exception& e) {
    throw DataError("cannot read mocap skeleton: " + path + ": " + e.what());
  }
  if (skeleton.size() != kMocapJoints) {
    throw DataError("cannot read mocap skeleton: " + path + ": " + std::to_string(skeleton.size()) +
                    " joints, not the 15-joint humanoid");
  }
  for (int j = 0; j < kMocapJoints; ++j) {
    const auto& joint = skeleton[static_cast<size_t>(j)];
    if (joint.name != kJointNames[j] || joint.parent >= j) {
      throw DataError("cannot read mocap skeleton: " + path + ": joint " + std::to_string(j) +
                      " is " + joint.name + ", not the humanoid's " + kJointNames[j]);
    }
  }
  return skeleton;
}

MocapClip read_mocap_clip(const std::string& path, const std::vector<MocapSkeletonJoint>& skeleton,
                          const std::string& description) {
  const nlohmann::json file = read_json(path, "mocap clip");
  MocapClip clip;
  clip.name = path.substr(path.find_last_of('/') + 1);
  clip.name = clip.name.substr(0, clip.name.rfind('.'));
  clip.description = description;
  size_t values = 8;  // dt, root position, root rotation
  for (const auto& joint : skeleton) {
    if (joint.type == "spherical") values += 4;
    if (joint.type == "revolute") values += 1;
  }
  try {
    const auto& frames = file.at("Frames");
    if (frames.empty()) throw DataError("cannot read mocap clip: " + path + ": no frames");
    int64_t index = 0;
    for (const auto& row : frames) {
      const std::vector<double> v = row.get<std::vector<double>>();
      if (v.size() != values) {
        throw DataError("cannot read mocap clip: " + path + ": frame " + std::to_string(index) +
                        " has " + std::to_string(v.size()) + " numbers, the skeleton needs " +
                        std::to_string(values));
      }
      if (index == 0) {
        if (!(v[0] > 0))
          throw DataError("cannot read mocap clip: " + path + ": frame 0: dt must be > 0");
        clip.fps = 1.0 / v[0];
      }
      std::array<Point3, kMocapJoints> joints{};
      std::array<Quaternion, kMocapJoints> world{};
      joints[0] = {v[1], v[2], v[3]};
      world[0] = normalised({v[4], v[5], v[6], v[7]});
      size_t at = 8;
      for (int j = 1; j < kMocapJoints; ++j) {
        const auto& joint = skeleton[static_cast<size_t>(j)];
        Quaternion local{1, 0, 0, 0};
        if (joint.type == "spherical") {
          local = normalised({v[at], v[at + 1], v[at + 2], v[at + 3]});
          at += 4;
        } else if (joint.type == "revolute") {  // about the joint's own z axis
          local = {std::cos(v[at] / 2), 0, 0, std::sin(v[at] / 2)};
          at += 1;
        }
        const auto parent = static_cast<size_t>(joint.parent);
        joints[static_cast<size_t>(j)] = joints[parent] + rotate(world[parent], joint.attach);
        world[static_cast<size_t>(j)] = multiply(world[parent], local);
      }
      clip.joints.push_back(joints);
      clip.keypoints.push_back(coco_keypoints(joints, world[kMocapRoot], world[kMocapNeck]));
      ++index;
    }
  } catch (const nlohmann::json::exception& e) {
    throw DataError("cannot read mocap clip: " + path + ": " + e.what());
  }
  return clip;
}

std::vector<MocapClip> read_mocap_folder(const std::string& folder) {
  const auto skeleton = read_mocap_skeleton(folder + "/humanoid3d.txt");
  const auto lines = read_text_lines(folder + "/clips.csv");
  if (lines.empty())
    throw DataError("cannot read mocap clips: " + folder + "/clips.csv: missing or empty");
  std::vector<MocapClip> clips;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (trim(lines[i]).empty()) continue;
    const auto fields = split_csv(lines[i]);
    if (fields.size() < 4) {
      throw DataError("cannot read mocap clips: " + folder + "/clips.csv:" + std::to_string(i + 1) +
                      ": expected clip,subject,trial,description");
    }
    clips.push_back(read_mocap_clip(folder + "/clips/" + fields[0], skeleton, fields[3]));
  }
  return clips;
}

MocapClip reversed(const MocapClip& clip, const std::string& suffix) {
  MocapClip out = clip;
  out.name += suffix;
  out.description += suffix;
  std::reverse(out.joints.begin(), out.joints.end());
  std::reverse(out.keypoints.begin(), out.keypoints.end());
  return out;
}

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return text;
}
bool says(const MocapClip& clip, const char* word) {
  return lower(clip.description).find(word) != std::string::npos;
}

constexpr double kAnkleHeight = 0.08;  // of the ankle joint over the floor, standing

// The motion, frame by frame, in the terms the labels are decided by.
struct Motion {
  std::vector<double> neck, root, tilt_deg, speed, neck_vy, feet_off, ankle_speed, foot_high;
};

Motion motion_of(const MocapClip& clip) {
  const int64_t n = clip.frames();
  const double dt = 1.0 / clip.fps;
  Motion m;
  std::vector<double> lowest;
  for (const auto& j : clip.joints)
    lowest.push_back(std::min(j[kMocapLeftAnkle][1], j[kMocapRightAnkle][1]));
  const double floor = mocap_floor(clip), foot_level = floor + kAnkleHeight;
  auto at = [&](int64_t f) {
    return clip.joints[static_cast<size_t>(std::clamp<int64_t>(f, 0, n - 1))];
  };
  // A rate over frames f - k .. f + k (fewer at the ends).
  auto rate = [&](int64_t f, int64_t k, auto&& value) {
    const int64_t a = std::max<int64_t>(0, f - k), b = std::min(n - 1, f + k);
    return b > a ? value(at(b), at(a)) / (static_cast<double>(b - a) * dt) : 0.0;
  };
  for (int64_t f = 0; f < n; ++f) {
    const auto j = at(f);
    m.neck.push_back(j[kMocapNeck][1] - floor);
    m.root.push_back(j[kMocapRoot][1] - floor);
    const double ux = j[kMocapNeck][0] - j[kMocapRoot][0], uy = j[kMocapNeck][1] - j[kMocapRoot][1],
                 uz = j[kMocapNeck][2] - j[kMocapRoot][2];
    m.tilt_deg.push_back(std::atan2(std::hypot(ux, uz), uy) * 180 / M_PI);
    m.speed.push_back(rate(f, 4, [](const auto& b, const auto& a) {
      return std::hypot(b[kMocapRoot][0] - a[kMocapRoot][0], b[kMocapRoot][2] - a[kMocapRoot][2]);
    }));
    m.neck_vy.push_back(rate(
        f, 2, [](const auto& b, const auto& a) { return b[kMocapNeck][1] - a[kMocapNeck][1]; }));
    m.ankle_speed.push_back(rate(f, 2, [](const auto& b, const auto& a) {
      double fastest = 0;
      for (const int ankle : {kMocapLeftAnkle, kMocapRightAnkle}) {
        fastest = std::max(fastest, std::hypot(b[ankle][0] - a[ankle][0], b[ankle][1] - a[ankle][1],
                                               b[ankle][2] - a[ankle][2]));
      }
      return fastest;
    }));
    m.feet_off.push_back(lowest[static_cast<size_t>(f)] - foot_level);
    m.foot_high.push_back(std::max(j[kMocapLeftAnkle][1], j[kMocapRightAnkle][1]) - foot_level);
  }
  return m;
}

constexpr double kFlight = 0.12;  // both feet this far above where they stand: off the ground

}  // namespace

double mocap_floor(const MocapClip& clip) {
  std::vector<double> lowest;
  for (const auto& j : clip.joints)
    lowest.push_back(std::min(j[kMocapLeftAnkle][1], j[kMocapRightAnkle][1]));
  if (lowest.empty()) return 0;
  std::sort(lowest.begin(), lowest.end());
  return lowest[static_cast<size_t>(static_cast<double>(lowest.size()) * 0.05)] - kAnkleHeight;
}

bool is_get_up(const MocapClip& clip) { return says(clip, "get up"); }

std::vector<std::string> mocap_labels(const MocapClip& clip) {
  const int64_t n = clip.frames();
  if (n == 0) return {};
  const Motion m = motion_of(clip);
  const auto frames = [&](double seconds) {
    return static_cast<int64_t>(std::lround(seconds * clip.fps));
  };
  std::vector<std::string> labels(static_cast<size_t>(n), "-");
  if (says(clip, "grip bar")) return labels;  // hanging from a bar: on no feet our words know
  for (int64_t f = 0; f < n; ++f) {
    const auto i = static_cast<size_t>(f);
    const bool upright = m.tilt_deg[i] < 40 && m.neck[i] > 1.0;
    const bool level_and_low =
        m.tilt_deg[i] > 60 && m.tilt_deg[i] < 120 && m.neck[i] < 0.6 && m.root[i] < 0.6;
    if (level_and_low) {
      const bool still = m.speed[i] < 0.5 && std::abs(m.neck_vy[i]) < 0.5 && m.ankle_speed[i] < 1.0;
      if (still) labels[i] = "lying";  // else rolling, crawling, a move on the floor: "-"
    } else if (upright && m.feet_off[i] <= kFlight) {
      if (m.foot_high[i] > 0.35 && m.speed[i] < 2.0) continue;  // a kick, a hop on one foot
      if (m.speed[i] < 0.25)
        labels[i] = "standing";
      else if (m.speed[i] >= 0.5 && m.speed[i] < 1.8)
        labels[i] = "walking";
      else if (m.speed[i] >= 2.0)
        labels[i] = "running";
    } else if (upright && m.speed[i] >= 2.0) {
      labels[i] = "running";  // a runner's flight
    }
  }
  // Jumps: a flight of at least 0.25 s, or one that lifts the body 12 cm over where it took
  // off, with the crouch before and the landing after (a quarter second each way).
  if (says(clip, "jump") || says(clip, "hop") || says(clip, "leap")) {
    for (int64_t f = 0; f < n;) {
      if (m.feet_off[static_cast<size_t>(f)] <= kFlight) {
        ++f;
        continue;
      }
      int64_t end = f;
      double peak = m.root[static_cast<size_t>(f)];
      while (end < n && m.feet_off[static_cast<size_t>(end)] > kFlight)
        peak = std::max(peak, m.root[static_cast<size_t>(end++)]);
      const double takeoff = m.root[static_cast<size_t>(std::max<int64_t>(0, f - 1))];
      if (end - f >= frames(0.25) || peak - takeoff > 0.12) {
        for (int64_t g = std::max<int64_t>(0, f - frames(0.25));
             g < std::min(n, end + frames(0.25)); ++g) {
          if (labels[static_cast<size_t>(g)] != "lying") labels[static_cast<size_t>(g)] = "jumping";
        }
      }
      f = end;
    }
  }
  // A fall: the first time the neck comes down low after being up, from where it started
  // dropping (the last moment it was not coming down at 0.3 m/s) to where it stopped.
  if (says(clip, "fall") || says(clip, "slip")) {
    bool was_up = false;
    for (int64_t f = 0; f < n; ++f) {
      const auto i = static_cast<size_t>(f);
      if (m.neck[i] > 1.0) was_up = true;
      if (!was_up || m.neck[i] >= 0.6) continue;
      int64_t start = f;
      while (start > 0 && m.neck_vy[static_cast<size_t>(start - 1)] < -0.3) --start;
      int64_t stop = f;
      while (stop < n - 1 && m.neck_vy[static_cast<size_t>(stop)] < -0.3) ++stop;
      for (int64_t g = std::max<int64_t>(0, start - 1); g <= stop; ++g)
        labels[static_cast<size_t>(g)] = "falling";
      break;
    }
  }
  return labels;
}

}  // namespace actrec::data
