#include "actrec/features/feature_extractor.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "actrec/core/error.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/model_file.hpp"
#include "actrec/core/model_paths.hpp"
#include "actrec/core/sha256.hpp"
#include "actrec/core/timer.hpp"
#include "actrec/features/backbone.hpp"
#include "actrec/features/pose.hpp"
#include "actrec/preprocess/fit_image.hpp"

namespace actrec::features {
namespace fs = std::filesystem;
using config::Layout;
using config::Preset;

Backbone load_backbone(const std::string& path) {
  Backbone backbone;
  try {
    std::istringstream bytes(read_model_file(path, "cannot load model"));
    torch::jit::Module module = torch::jit::load(bytes);
    module.eval();
    // Read before freezing folds attributes away.
    if (module.hasattr("batch_agnostic")) {
      backbone.batch_agnostic = module.attr("batch_agnostic").toBool();
    }
    if (module.hasattr("source")) backbone.source = module.attr("source").toStringRef();
    if (module.hasattr("input_multiple")) {
      backbone.input_multiple = module.attr("input_multiple").toInt();
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
  ExtractorIdentity identity;
  torch::jit::Module module;
  bool batch_agnostic = true;
  bool use_pose = false, use_map = false;
  int persons = 0;       // pose slots, learnt on the first pass
  int pose_values = 0;   // 51 (keypoints only) or 56 (MultiPose: keypoints, box, score)
  int64_t map_dim = 0;   // learnt on the first pass
  cv::Size input;        // the backbone's input: features.input_* for the probes, then frames'
  int64_t multiple = 0;  // once frames are seen at people.input_*: the file's input_multiple

  // The input a frame of `frame` pixels is seen at: `input`, but where the file takes several
  // sizes no larger than the frame itself (its sides rounded up to the multiple): upscaling a
  // small frame only blurs it and costs time (demo.mp4, 340x256, loses people at 384x288).
  cv::Size input_for(cv::Size frame) const {
    if (multiple <= 0) return input;
    const auto fit = [&](int side, int most) {
      const int64_t up = (side + multiple - 1) / multiple * multiple;
      return static_cast<int>(std::min<int64_t>(most, std::max<int64_t>(up, multiple)));
    };
    return {fit(frame.width, input.width), fit(frame.height, input.height)};
  }
  StageSeconds seconds;

  torch::Tensor to_input(const std::vector<cv::Mat>& prepared) const {
    std::vector<torch::Tensor> items;
    for (const auto& image : prepared) {
      items.push_back(torch::from_blob(const_cast<uint8_t*>(image.ptr<uint8_t>()),
                                       {image.rows, image.cols, 3}, torch::kUInt8));
    }
    torch::Tensor input = torch::stack(items);  // copies: the mats may go away
    if (config.input_dtype == config::PixelType::int32) {
      input = input.to(torch::kInt32);
    } else {
      input = input.to(torch::kFloat32) * config.input_scale;
      const auto mean = torch::tensor(std::vector<float>(config.mean.begin(), config.mean.end()));
      const auto std = torch::tensor(std::vector<float>(config.std.begin(), config.std.end()));
      input = (input - mean) / std;
    }
    if (config.input_layout == Layout::nchw) input = input.permute({0, 3, 1, 2}).contiguous();
    return input;
  }

  [[noreturn]] void misfit(const std::string& reason) const {
    throw ModelError("backbone does not fit its config: " + path + ": " + reason);
  }

  torch::Tensor output(const std::vector<torch::Tensor>& outputs, int index, const char* key) const {
    if (index >= static_cast<int>(outputs.size())) {
      misfit(fmt::format("features.{} is {} but it returns {} outputs", key, index,
                         outputs.size()));
    }
    return outputs[static_cast<size_t>(index)].to(torch::kFloat32).contiguous();
  }

  // [batch, persons, 51 or 56]: MoveNet's [.., 17, 3] (y, x, score) or MultiPose's 56 per person
  // (17 x (y, x, score), then box ymin, xmin, ymax, xmax, score), normalised to the input.
  torch::Tensor poses_of(const std::vector<torch::Tensor>& outputs, int64_t batch) {
    torch::Tensor pose = output(outputs, config.pose_output, "pose_output");
    const auto sizes = pose.sizes();
    int values = 0;
    if (pose.dim() >= 2 && sizes.back() == 3 && sizes[sizes.size() - 2] == kKeypoints) {
      values = 3 * kKeypoints;
    } else if (pose.dim() >= 2 && sizes.back() == kPoseValues) {
      values = kPoseValues;
    }
    if (values == 0 || pose.numel() % (batch * values) != 0) {
      misfit(fmt::format("output {} should hold 17 (y, x, score) keypoints per person "
                         "([..,17,3], or MultiPose's [..,P,56]), has shape {}",
                         config.pose_output, fmt::join(pose.sizes(), "x")));
    }
    const int found = static_cast<int>(pose.numel() / (batch * values));
    if (persons == 0) {
      persons = found;
      pose_values = values;
    } else if (found != persons || values != pose_values) {
      misfit("the keypoint output changed shape between passes");
    }
    return pose.reshape({batch, persons, values});
  }

  torch::Tensor map_of(const std::vector<torch::Tensor>& outputs, int64_t batch) {
    torch::Tensor map = output(outputs, config.map_output, "map_output");
    if (map.dim() == 4) {
      map = config.map_layout == Layout::nhwc ? map.mean({1, 2}) : map.mean({2, 3});
    } else if (map.dim() != 2) {
      misfit(fmt::format("output {} should be a feature map or vector, has shape {}",
                         config.map_output, fmt::join(map.sizes(), "x")));
    }
    if (map.size(0) != batch) misfit("the feature map's batch does not match the input's");
    if (map_dim != 0 && map.size(1) != map_dim) misfit("the feature map changed size between passes");
    map_dim = map.size(1);
    return map.contiguous();
  }

  // One batch's observations appended to `out`; keypoints mapped back to the pixels of each
  // frame's source size (`sources[b]`: a stream's frames may change size).
  void observe(const std::vector<torch::Tensor>& outputs, int64_t batch, const cv::Size* sources,
               std::vector<float>& out) {
    torch::Tensor poses, map;
    if (use_pose) poses = poses_of(outputs, batch);
    if (use_map) map = map_of(outputs, batch);
    const int64_t width = int64_t{persons} * kPoseValues + map_dim;
    const size_t start = out.size();
    out.resize(start + static_cast<size_t>(batch * width), 0.0f);
    for (int64_t b = 0; b < batch; ++b) {
      const cv::Size seen = input_for(sources[b]);
      const auto place = preprocess::placement_for(sources[b], seen, config.resize);
      auto to_x = [&](float x) {
        return static_cast<float>((x * seen.width - place.offset_x) / place.scale_x);
      };
      auto to_y = [&](float y) {
        return static_cast<float>((y * seen.height - place.offset_y) / place.scale_y);
      };
      float* row = out.data() + start + b * width;
      for (int p = 0; p < persons; ++p) {
        const float* in = poses[b][p].data_ptr<float>();
        Pose pose{row + p * kPoseValues};
        for (int k = 0; k < kKeypoints; ++k) {
          pose.x(k) = to_x(in[3 * k + 1]);
          pose.y(k) = to_y(in[3 * k]);
          pose.score(k) = in[3 * k + 2];
        }
        if (pose_values == kPoseValues) {
          const float* box = in + 3 * kKeypoints;  // ymin, xmin, ymax, xmax, score
          pose.box(0) = to_x(box[1]);
          pose.box(1) = to_y(box[0]);
          pose.box(2) = to_x(box[3]);
          pose.box(3) = to_y(box[2]);
          pose.person_score() = box[4];
        } else {
          box_from_keypoints(pose, static_cast<float>(config.min_score));
        }
      }
      if (use_map) {
        std::copy_n(map[b].data_ptr<float>(), map_dim, row + int64_t{persons} * kPoseValues);
      }
    }
  }

  std::vector<std::string> observation_names() const {
    std::vector<std::string> names;
    for (int p = 0; p < persons; ++p) {
      for (const auto keypoint : kKeypointNames) {
        for (const char* part : {"x", "y", "score"}) {
          names.push_back(fmt::format("p{}.{}.{}", p, keypoint, part));
        }
      }
      for (const char* part : {"box.x0", "box.y0", "box.x1", "box.y1", "score"}) {
        names.push_back(fmt::format("p{}.{}", p, part));
      }
    }
    for (int64_t i = 0; i < map_dim; ++i) names.push_back(fmt::format("appearance.{}", i));
    return names;
  }
};

FeatureExtractor::FeatureExtractor(const config::FeaturesConfig& config,
                                   const config::PeopleConfig& people)
    : impl_(std::make_unique<Impl>()) {
  Impl& impl = *impl_;
  impl.config = config;
  impl.use_pose = config.preset != Preset::appearance;
  impl.use_map = config.preset != Preset::pose;
  const char* preset = config::to_string(config.preset);
  if (impl.use_pose && config.pose_output < 0) {
    throw ConfigError(fmt::format("invalid config: features.preset {} needs features.pose_output",
                                  preset));
  }
  if (impl.use_map && config.map_output < 0) {
    throw ConfigError(
        fmt::format("invalid config: features.preset {} needs features.map_output", preset));
  }
  impl.path = find_model_file(config.backbone);
  Backbone backbone = load_backbone(impl.path);
  impl.module = std::move(backbone.module);
  impl.batch_agnostic = backbone.batch_agnostic;
  impl.input = {config.input_width, config.input_height};

  // The probe images, one at a time (as a stream sees frames), twice: the first passes also let
  // the TorchScript profiling executor settle, and the last is what identifies the backbone.
  // Always at features.input_*: what a bundle was trained with, whatever frames are seen at.
  impl.identity.config = config;
  impl.identity.backbone_source = backbone.source;
  const auto probes = probe_images();
  for (int pass = 0; pass < 2; ++pass) {
    impl.identity.probe.clear();
    for (const auto& image : probes) extract({image}, impl.identity.probe);
  }
  impl.identity.names = impl.observation_names();

  // Frames: at people.input_* where the backbone's file takes several sizes.
  const cv::Size wanted{people.input_width > 0 ? people.input_width : config.input_width,
                        people.input_height > 0 ? people.input_height : config.input_height};
  const int64_t multiple = backbone.input_multiple;
  if (wanted != impl.input && multiple > 0) {
    if (wanted.width % multiple != 0 || wanted.height % multiple != 0) {
      throw ConfigError(fmt::format(
          "invalid config: people.input_width and input_height: {}x{}: {} takes sides that are "
          "multiples of {}",
          wanted.width, wanted.height, impl.path, multiple));
    }
    impl.input = wanted;
    impl.multiple = multiple;
    std::vector<float> settle;  // and a size the file refuses fails here, not at a frame
    for (int pass = 0; pass < 2; ++pass) extract({probes[0]}, settle);
  } else if (wanted != impl.input) {
    log::debug(
        "{} takes {}x{} only (its file names no other sizes): people are looked for at "
        "that size, not at people.input_* {}x{}",
        impl.path, impl.input.width, impl.input.height, wanted.width, wanted.height);
  }
  impl.seconds = {};

  // Identity: where the backbone came from (its file's bytes when it does not say), every
  // setting that changes observations, and the size frames are seen at and the people a frame
  // holds; never where the file is or how many frames go per pass.
  config::FeaturesConfig settings = config;
  settings.backbone.clear();
  settings.batch_size = 0;
  settings.min_score = 0;
  settings.motion_s = 0;
  impl.fingerprint =
      "sha256:" +
      Sha256()
          .update(backbone.source.empty() ? "file " + sha256_file(impl.path) : backbone.source)
          .update(config::to_yaml(settings))
          .update(fmt::format("frames at {}x{} at most, multiples of {}, {} people",
                              impl.input.width, impl.input.height, impl.multiple, impl.persons))
          .hex();
}

FeatureExtractor::~FeatureExtractor() = default;

int64_t FeatureExtractor::dim() const { return static_cast<int64_t>(impl_->identity.names.size()); }
int FeatureExtractor::persons() const { return impl_->persons; }
const std::vector<std::string>& FeatureExtractor::names() const { return impl_->identity.names; }
const std::string& FeatureExtractor::fingerprint() const { return impl_->fingerprint; }
const ExtractorIdentity& FeatureExtractor::identity() const { return impl_->identity; }
const std::string& FeatureExtractor::backbone_path() const { return impl_->path; }
const config::FeaturesConfig& FeatureExtractor::config() const { return impl_->config; }
int FeatureExtractor::batch_size() const {
  return impl_->batch_agnostic ? impl_->config.batch_size : 1;
}
StageSeconds FeatureExtractor::seconds() const { return impl_->seconds; }

cv::Size FeatureExtractor::input_size() const { return impl_->input; }

cv::Mat FeatureExtractor::prepare(const cv::Mat& frame) const {
  const auto& config = impl_->config;
  return preprocess::fit_image(frame, impl_->input_for(frame.size()), config.resize,
                               config.color == config::ColorOrder::rgb);
}

void FeatureExtractor::infer(const std::vector<cv::Mat>& prepared, cv::Size source,
                             std::vector<float>& out) {
  infer(prepared, std::vector<cv::Size>(prepared.size(), source), out);
}

void FeatureExtractor::infer(const std::vector<cv::Mat>& prepared,
                             const std::vector<cv::Size>& sources, std::vector<float>& out) {
  Impl& impl = *impl_;
  if (sources.size() != prepared.size()) {
    throw std::invalid_argument("FeatureExtractor::infer: one source size per frame expected");
  }
  c10::InferenceMode inference_mode;
  const size_t step = static_cast<size_t>(batch_size());
  for (size_t start = 0; start < prepared.size(); start += step) {
    const size_t end = std::min(prepared.size(), start + step);
    const std::vector<cv::Mat> batch(prepared.begin() + static_cast<std::ptrdiff_t>(start),
                                     prepared.begin() + static_cast<std::ptrdiff_t>(end));
    Stopwatch watch;
    const torch::Tensor input = impl.to_input(batch);
    impl.seconds.preprocess += watch.lap();
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
    impl.observe(outputs, static_cast<int64_t>(batch.size()), sources.data() + start, out);
    impl.seconds.inference += watch.lap();
  }
}

void FeatureExtractor::extract(const std::vector<cv::Mat>& frames, std::vector<float>& out) {
  if (frames.empty()) return;
  std::vector<cv::Mat> prepared;
  Stopwatch watch;
  std::vector<cv::Size> sizes;
  for (const auto& frame : frames) {
    prepared.push_back(prepare(frame));
    sizes.push_back(frame.size());
  }
  impl_->seconds.preprocess += watch.lap();
  infer(prepared, sizes, out);
}

}  // namespace actrec::features
