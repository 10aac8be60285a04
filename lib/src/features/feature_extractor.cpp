#include "actrec/features/feature_extractor.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "actrec/core/error.hpp"
#include "actrec/core/sha256.hpp"
#include "actrec/features/backbone.hpp"
#include "actrec/preprocess/fit_image.hpp"

namespace actrec::features {
namespace fs = std::filesystem;

namespace {

constexpr const char* kKeypointNames[17] = {
    "nose",           "left_eye",   "right_eye",   "left_ear",   "right_ear",   "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
    "right_hip",      "left_knee",  "right_knee",  "left_ankle", "right_ankle"};
// MoveNet keypoints (y, x, score; normalised to the input) -> features that do not change when
// the person moves or changes size in the frame: each point relative to the body centre in units
// of body size, with its score; with `position`, then the centre and size themselves (motion
// across the frame, but also where each person happened to stand: see docs/results.md).
void pose_features(const float* keypoints, bool position, float* out) {
  auto centre_of = [&](std::initializer_list<int> points, double& cx, double& cy) {
    double weight = 0;
    cx = cy = 0;
    for (int i : points) {
      const double score = keypoints[3 * i + 2];
      weight += score;
      cy += score * keypoints[3 * i];
      cx += score * keypoints[3 * i + 1];
    }
    if (weight > 0) {
      cx /= weight;
      cy /= weight;
    }
    return weight;
  };
  double cx, cy;
  if (centre_of({5, 6, 11, 12}, cx, cy) < 0.1 &&  // shoulders and hips, else every point
      centre_of({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, cx, cy) <= 0) {
    cx = cy = 0.5;
  }
  double spread = 0, weight = 0;
  for (int i = 0; i < 17; ++i) {
    const double score = keypoints[3 * i + 2];
    const double dy = keypoints[3 * i] - cy, dx = keypoints[3 * i + 1] - cx;
    spread += score * (dx * dx + dy * dy);
    weight += score;
  }
  const double size = std::max(0.02, weight > 0 ? std::sqrt(spread / weight) : 0.0);
  for (int i = 0; i < 17; ++i) {
    out[3 * i] = static_cast<float>((keypoints[3 * i + 1] - cx) / size);
    out[3 * i + 1] = static_cast<float>((keypoints[3 * i] - cy) / size);
    out[3 * i + 2] = keypoints[3 * i + 2];
  }
  if (!position) return;
  out[51] = static_cast<float>(cx);
  out[52] = static_cast<float>(cy);
  out[53] = static_cast<float>(size);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string executable_dir() {
  std::error_code error;
  const auto exe = fs::read_symlink("/proc/self/exe", error);
  return error ? std::string() : exe.parent_path().string();
}

}  // namespace

std::string resolve_model_path(const std::string& path) {
  std::error_code error;
  if (fs::exists(path, error)) return path;
  std::vector<std::string> tried = {path};
  if (!fs::path(path).is_absolute()) {
    std::vector<std::string> folders;
    if (const char* env = std::getenv("ACTREC_MODELS")) folders.push_back(env);
    if (const auto exe = executable_dir(); !exe.empty()) folders.push_back(exe + "/../../models");
    for (const auto& folder : folders) {
      const auto candidate = fs::path(folder) / fs::path(path).filename();
      tried.push_back(candidate.lexically_normal().string());
      if (fs::exists(candidate, error)) return tried.back();
    }
  }
  throw ModelError(
      fmt::format("cannot find model: {}: looked at {} (scripts/fetch_models.sh "
                  "fetches the default backbone)",
                  path, fmt::join(tried, ", ")));
}

Backbone load_backbone(const std::string& path) {
  Backbone backbone;
  try {
    torch::jit::Module module = torch::jit::load(path);
    module.eval();
    if (module.hasattr("batch_agnostic")) {  // read before freezing folds attributes away
      backbone.batch_agnostic = module.attr("batch_agnostic").toBool();
    }
    torch::jit::Module frozen = torch::jit::freeze(module);
    backbone.module = torch::jit::optimize_for_inference(frozen);
  } catch (const c10::Error& e) {
    throw ModelError("cannot load model: " + path + ": not a loadable TorchScript file (" +
                     e.msg().substr(0, 200) + ")");
  }
  return backbone;
}

std::vector<torch::Tensor> run_backbone(torch::jit::Module& module, const torch::Tensor& input) {
  const auto result = module.forward({input});
  std::vector<torch::Tensor> outputs;
  if (result.isTuple()) {
    for (const auto& item : result.toTuple()->elements()) outputs.push_back(item.toTensor());
  } else if (result.isTensorList()) {
    for (const auto& item : result.toTensorVector()) outputs.push_back(item);
  } else {
    outputs.push_back(result.toTensor());
  }
  return outputs;
}

struct FeatureExtractor::Impl {
  config::FeaturesConfig config;
  std::string path;
  std::string fingerprint;
  torch::jit::Module module;
  bool batch_agnostic = true;
  bool use_pose = false, use_map = false;
  int64_t map_dim = 0;
  std::vector<std::string> names;
  preprocess::ResizeMode mode = preprocess::ResizeMode::letterbox;
  StageSeconds seconds;

  torch::Tensor to_input(const std::vector<cv::Mat>& prepared) const {
    std::vector<torch::Tensor> items;
    for (const auto& image : prepared) {
      items.push_back(torch::from_blob(const_cast<uint8_t*>(image.ptr<uint8_t>()),
                                       {image.rows, image.cols, 3}, torch::kUInt8));
    }
    torch::Tensor input = torch::stack(items);  // copies: the mats may go away
    if (config.input_dtype == "int32") {
      input = input.to(torch::kInt32);
    } else {
      input = input.to(torch::kFloat32) * config.input_scale;
      const auto mean = torch::tensor(std::vector<float>(config.mean.begin(), config.mean.end()));
      const auto std = torch::tensor(std::vector<float>(config.std.begin(), config.std.end()));
      input = (input - mean) / std;
    }
    if (config.input_layout == "nchw") input = input.permute({0, 3, 1, 2}).contiguous();
    return input;
  }

  [[noreturn]] void misfit(const std::string& reason) const {
    throw ModelError("backbone does not fit its config: " + path + ": " + reason);
  }

  // Features of a batch, appended to `out`; also checks the outputs' shapes.
  void features_of(const std::vector<torch::Tensor>& outputs, int64_t batch,
                   std::vector<float>& out) {
    torch::Tensor pose, map;
    if (use_pose) {
      if (config.pose_output >= static_cast<int>(outputs.size())) {
        misfit(fmt::format("features.pose_output is {} but it returns {} outputs",
                           config.pose_output, outputs.size()));
      }
      pose = outputs[config.pose_output].to(torch::kFloat32).contiguous();
      if (pose.numel() != batch * 51) {
        misfit(
            fmt::format("output {} should hold 17 (y, x, score) keypoints per frame, has shape {}",
                        config.pose_output, fmt::join(pose.sizes(), "x")));
      }
      pose = pose.reshape({batch, 51});
    }
    if (use_map) {
      if (config.map_output >= static_cast<int>(outputs.size())) {
        misfit(fmt::format("features.map_output is {} but it returns {} outputs", config.map_output,
                           outputs.size()));
      }
      map = outputs[config.map_output].to(torch::kFloat32);
      if (map.dim() == 4) {
        map = config.map_layout == "nhwc" ? map.mean({1, 2}) : map.mean({2, 3});
      } else if (map.dim() != 2) {
        misfit(fmt::format("output {} should be a feature map or vector, has shape {}",
                           config.map_output, fmt::join(map.sizes(), "x")));
      }
      if (map.size(0) != batch) misfit("the feature map's batch does not match the input's");
      map = map.contiguous();
    }
    const int64_t pose_dim = use_pose ? (config.pose_position ? 54 : 51) : 0;
    const int64_t width = pose_dim + (use_map ? map.size(1) : 0);
    const size_t start = out.size();
    out.resize(start + static_cast<size_t>(batch * width));
    for (int64_t b = 0; b < batch; ++b) {
      float* row = out.data() + start + b * width;
      if (use_pose) pose_features(pose[b].data_ptr<float>(), config.pose_position, row);
      if (use_map) std::copy_n(map[b].data_ptr<float>(), map.size(1), row + pose_dim);
    }
    map_dim = use_map ? map.size(1) : 0;
  }
};

FeatureExtractor::FeatureExtractor(const config::FeaturesConfig& config)
    : impl_(std::make_unique<Impl>()) {
  Impl& impl = *impl_;
  impl.config = config;
  impl.use_pose = config.preset != "appearance";
  impl.use_map = config.preset != "pose";
  if (impl.use_pose && config.pose_output < 0) {
    throw ConfigError("invalid config: features.preset " + config.preset +
                      " needs features.pose_output");
  }
  if (impl.use_map && config.map_output < 0) {
    throw ConfigError("invalid config: features.preset " + config.preset +
                      " needs features.map_output");
  }
  impl.mode = preprocess::parse_resize_mode(config.resize);
  impl.path = resolve_model_path(config.backbone);
  Backbone backbone = load_backbone(impl.path);
  impl.module = std::move(backbone.module);
  impl.batch_agnostic = backbone.batch_agnostic;
  config::FeaturesConfig identity = config;  // what decides the features, not where or how fast
  identity.backbone.clear();
  identity.batch_size = 0;
  impl.fingerprint =
      "sha256:" + Sha256().update(sha256_file(impl.path)).update(config::to_yaml(identity)).hex();

  // Trial passes on a blank frame learn the feature size, check the outputs fit the config, and
  // let the TorchScript profiling executor settle before real frames are timed.
  const cv::Mat blank =
      prepare(cv::Mat(config.input_height, config.input_width, CV_8UC3, cv::Scalar::all(0)));
  for (int pass = 0; pass < 3; ++pass) {
    std::vector<float> probe;
    infer({blank}, probe);
  }
  impl.seconds = {};
  if (impl.use_pose) {
    for (const char* keypoint : kKeypointNames) {
      for (const char* part : {"x", "y", "score"}) {
        impl.names.push_back(fmt::format("pose.{}.{}", keypoint, part));
      }
    }
    if (config.pose_position) {
      for (const char* part : {"centre_x", "centre_y", "size"}) {
        impl.names.push_back(fmt::format("pose.{}", part));
      }
    }
  }
  for (int64_t i = 0; i < impl.map_dim; ++i) impl.names.push_back(fmt::format("appearance.{}", i));
}

FeatureExtractor::~FeatureExtractor() = default;

int64_t FeatureExtractor::dim() const { return static_cast<int64_t>(impl_->names.size()); }
const std::vector<std::string>& FeatureExtractor::names() const { return impl_->names; }
const std::string& FeatureExtractor::fingerprint() const { return impl_->fingerprint; }
const std::string& FeatureExtractor::backbone_path() const { return impl_->path; }
const config::FeaturesConfig& FeatureExtractor::config() const { return impl_->config; }
int FeatureExtractor::batch_size() const {
  return impl_->batch_agnostic ? impl_->config.batch_size : 1;
}
StageSeconds FeatureExtractor::seconds() const { return impl_->seconds; }

cv::Mat FeatureExtractor::prepare(const cv::Mat& frame) const {
  const auto& config = impl_->config;
  return preprocess::fit_image(frame, {config.input_width, config.input_height}, impl_->mode,
                               config.color == "rgb");
}

void FeatureExtractor::infer(const std::vector<cv::Mat>& prepared, std::vector<float>& out) {
  Impl& impl = *impl_;
  c10::InferenceMode inference_mode;
  const size_t step = static_cast<size_t>(batch_size());
  for (size_t start = 0; start < prepared.size(); start += step) {
    const size_t end = std::min(prepared.size(), start + step);
    const std::vector<cv::Mat> batch(prepared.begin() + static_cast<std::ptrdiff_t>(start),
                                     prepared.begin() + static_cast<std::ptrdiff_t>(end));
    auto began = std::chrono::steady_clock::now();
    const torch::Tensor input = impl.to_input(batch);
    impl.seconds.preprocess += seconds_since(began);
    began = std::chrono::steady_clock::now();
    std::vector<torch::Tensor> outputs;
    try {
      outputs = run_backbone(impl.module, input);
    } catch (const c10::Error& e) {
      impl.misfit(std::string("inference failed: ") + e.msg().substr(0, 300));
    } catch (const std::exception& e) {
      // A `raise` in the script: a traceback whose last line holds the script's own message.
      std::string text = e.what();
      while (!text.empty() && text.back() == '\n') text.pop_back();
      impl.misfit("inference failed: " + text.substr(text.rfind('\n') + 1, 300));
    }
    impl.features_of(outputs, static_cast<int64_t>(batch.size()), out);
    impl.seconds.inference += seconds_since(began);
  }
}

void FeatureExtractor::extract(const std::vector<cv::Mat>& frames, std::vector<float>& out) {
  std::vector<cv::Mat> prepared;
  const auto began = std::chrono::steady_clock::now();
  for (const auto& frame : frames) prepared.push_back(prepare(frame));
  impl_->seconds.preprocess += seconds_since(began);
  infer(prepared, out);
}

}  // namespace actrec::features
