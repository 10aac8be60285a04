#include "stub_models.hpp"

#include <torch/script.h>

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "actrec/features/feature_builder.hpp"
#include "actrec/features/feature_extractor.hpp"
#include "actrec/features/pose.hpp"
#include "actrec/model/bundle.hpp"
#include "actrec/train/sequences.hpp"

namespace actrec::test {

void write_colour_backbone(const std::string& path) {
  torch::jit::Module backbone("Colour");
  backbone.define("def forward(self, x: Tensor):\n    return x.float().mean([1, 2]) / 64.0\n");
  backbone.save(path);
}

void write_people_backbone(const std::string& path, double gain, const std::string& source) {
  torch::jit::Module backbone("People");
  // A standing figure's keypoints as (y, x) in units of its box (0..1 top to bottom).
  const std::vector<float> figure = {0.05f, 0.5f,  0.03f, 0.45f, 0.03f, 0.55f, 0.05f, 0.4f,  0.05f,
                                     0.6f,  0.2f,  0.3f,  0.2f,  0.7f,  0.35f, 0.25f, 0.35f, 0.75f,
                                     0.5f,  0.2f,  0.5f,  0.8f,  0.5f,  0.38f, 0.5f,  0.62f, 0.75f,
                                     0.38f, 0.75f, 0.62f, 0.97f, 0.38f, 0.97f, 0.62f};
  backbone.register_buffer("figure", torch::tensor(figure).reshape({17, 2}));
  backbone.register_buffer("gain", torch::tensor(static_cast<float>(gain)));
  if (!source.empty()) backbone.register_attribute("source", c10::StringType::get(), source);
  backbone.define(R"(
def person(self, bright: Tensor, x0: int, x1: int):
    b = bright.size(0)
    h = bright.size(1)
    w = bright.size(2)
    part = bright[:, :, x0:x1]
    mass = part.sum([1, 2]) + 1e-6
    ys = torch.arange(h).float().view(1, h, 1)
    xs = torch.arange(x0, x1).float().view(1, 1, x1 - x0)
    cy = (part * ys).sum([1, 2]) / mass
    cx = (part * xs).sum([1, 2]) / mass
    sy = torch.sqrt((part * (ys - cy.view(b, 1, 1)) ** 2).sum([1, 2]) / mass + 1.0)
    sx = torch.sqrt((part * (xs - cx.view(b, 1, 1)) ** 2).sum([1, 2]) / mass + 1.0)
    top = cy - 1.7 * sy
    left = cx - 1.7 * sx * self.gain
    height = 3.4 * sy
    width = 3.4 * sx * self.gain
    ky = (top.view(b, 1) + self.figure[:, 0].view(1, 17) * height.view(b, 1)) / h
    kx = (left.view(b, 1) + self.figure[:, 1].view(1, 17) * width.view(b, 1)) / w
    seen = (mass > 20.0).float()
    score = seen.view(b, 1).expand(b, 17) * 0.9
    keypoints = torch.stack([ky, kx, score], 2).reshape(b, 51)
    box = torch.stack([top / h, left / w, (top + height) / h, (left + width) / w, seen * 0.9], 1)
    return torch.cat([keypoints, box], 1)

def forward(self, x: Tensor):
    bright = (x.float().mean(3) > 128.0).float()
    w = bright.size(2)
    people = torch.stack([self.person(bright, 0, w // 2), self.person(bright, w // 2, w)], 1)
    return (people, x.float().mean([1, 2]) / 64.0)
)");
  backbone.save(path);
}

config::FeaturesConfig colour_features(const std::string& backbone) {
  config::FeaturesConfig features;
  features.backbone = backbone;
  features.input_width = 64;
  features.input_height = 48;
  features.resize = config::ResizeMode::stretch;
  features.input_dtype = config::PixelType::float32;
  features.preset = config::Preset::appearance;
  features.pose_output = -1;
  features.map_output = 0;
  return features;
}

config::FeaturesConfig people_features(const std::string& backbone) {
  config::FeaturesConfig features = colour_features(backbone);
  features.preset = config::Preset::pose;
  features.pose_output = 0;
  features.map_output = 1;
  return features;
}

void write_bundle(const std::string& path, const config::FeaturesConfig& features,
                  config::Cell cell, const config::SmoothingConfig& smoothing) {
  features::FeatureExtractor extractor(features);
  model::BundleInfo info;
  info.labels = {"dark", "light", "background"};
  info.background = "background";
  model::set_extractor(info, extractor.identity());
  info.smoothing = smoothing;
  info.feature_dim = train::feature_dim(
      features, extractor.dim() - int64_t{extractor.persons()} * features::kPoseValues);
  info.fps = 25;
  info.model.cell = cell;
  info.model.hidden = 8;
  torch::manual_seed(11);
  auto model = model::make_labeler(info);
  model::save_bundle(path, info, model);
}

void write_motion_bundle(const std::string& path, const config::FeaturesConfig& features) {
  features::FeatureExtractor extractor(features);
  model::BundleInfo info;
  info.labels = {"dark", "light", "background"};
  info.background = "background";
  model::set_extractor(info, extractor.identity());
  info.smoothing.switch_penalty = 0;
  const int64_t map_dim = extractor.dim() - int64_t{extractor.persons()} * features::kPoseValues;
  const features::FeatureBuilder builder(features, map_dim);
  info.feature_dim = builder.dim();
  info.fps = 25;
  info.model.cell = config::Cell::linear;
  info.model.dropout = 0;
  auto model = model::make_labeler(info);
  const auto names = builder.names();
  const auto vx = std::find(names.begin(), names.end(), "body.vx") - names.begin();
  torch::NoGradGuard no_grad;
  for (auto& item : model->named_parameters()) {
    if (item.key() == "head.weight") {
      item.value().zero_();
      item.value()[0][vx] = -10;  // moving left (torso lengths per second)
      item.value()[1][vx] = 10;
    } else if (item.key() == "head.bias") {
      item.value().copy_(torch::tensor({0.0f, 0.0f, 1.0f}));  // still: background
    }
  }
  model::save_bundle(path, info, model);
}

void write_falling_person_video(const std::string& path, int unseen_frames, bool gets_up) {
  // 320 wide: the figure stays in the right half, which the people backbone's second slot sees.
  cv::VideoWriter writer(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 25, {320, 120});
  if (!writer.isOpened()) throw std::runtime_error("cannot write " + path);
  // 0 upright .. 1 lying: tips over in frames 20-29 and lies until 89; then, after the unseen
  // frames, lies 10 frames more, gets up in the next 10 and stands for 60.
  const int seen_again = 90 + unseen_frames;
  const int frames = gets_up ? seen_again + 80 : 90 + unseen_frames;
  for (int f = 0; f < frames; ++f) {
    const double down = f < seen_again + 10
                            ? std::clamp((f - 20) / 10.0, 0.0, 1.0)
                            : std::clamp(1 - (f - seen_again - 10) / 10.0, 0.0, 1.0);
    cv::Mat frame(120, 320, CV_8UC3, cv::Scalar::all(0));
    if (f < 90 || f >= seen_again) {
      cv::ellipse(frame, {static_cast<int>(260 - 40 * down), 60}, {7, 30}, 90 * down, 0, 360,
                  cv::Scalar::all(255), cv::FILLED);
    }
    writer.write(frame);
  }
}

void write_standing_person_video(const std::string& path, int frames) {
  cv::VideoWriter writer(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 25, {320, 120});
  if (!writer.isOpened()) throw std::runtime_error("cannot write " + path);
  cv::Mat frame(120, 320, CV_8UC3, cv::Scalar::all(0));
  cv::ellipse(frame, {260, 60}, {7, 30}, 0, 0, 360, cv::Scalar::all(255), cv::FILLED);
  for (int f = 0; f < frames; ++f) writer.write(frame);
}

void write_two_people_video(const std::string& path, int frames, double fps, int right_from,
                            int right_until) {
  cv::VideoWriter writer(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), fps, {160, 120});
  if (!writer.isOpened()) throw std::runtime_error("cannot write " + path);
  for (int f = 0; f < frames; ++f) {
    // Apart and back again: the gap between them follows a sine over the clip.
    const double apart = 0.5 - 0.5 * std::cos(2 * M_PI * f / frames);
    const int left = static_cast<int>(60 - 45 * apart), right = static_cast<int>(100 + 45 * apart);
    cv::Mat frame(120, 160, CV_8UC3, cv::Scalar::all(0));
    cv::ellipse(frame, {left, 60}, {7, 30}, 0, 0, 360, cv::Scalar::all(255), cv::FILLED);
    if (f >= right_from && (right_until < 0 || f < right_until)) {
      cv::ellipse(frame, {right, 60}, {7, 30}, 0, 0, 360, cv::Scalar::all(255), cv::FILLED);
    }
    writer.write(frame);
  }
}

}  // namespace actrec::test
