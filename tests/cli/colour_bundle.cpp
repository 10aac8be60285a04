#include "colour_bundle.hpp"

#include <torch/script.h>

#include "actrec/features/feature_extractor.hpp"
#include "actrec/model/bundle.hpp"

namespace actrec::test {

void write_colour_backbone(const std::string& path) {
  torch::jit::Module backbone("Colour");
  backbone.define("def forward(self, x: Tensor):\n    return x.float().mean([1, 2]) / 64.0\n");
  backbone.save(path);
}

void write_colour_bundle(const std::string& path, const std::string& backbone,
                         const std::string& cell) {
  config::FeaturesConfig features;
  features.backbone = backbone;
  features.input_width = features.input_height = 16;
  features.input_dtype = "float32";
  features.preset = "appearance";
  features.pose_output = -1;
  features.map_output = 0;
  features::FeatureExtractor extractor(features);
  model::BundleInfo info;
  info.labels = {"dark", "light", "background"};
  info.background = "background";
  info.features = features;
  info.fingerprint = extractor.fingerprint();
  info.feature_dim = extractor.dim();
  info.fps = 25;
  info.model.cell = cell;
  info.model.hidden = 8;
  torch::manual_seed(11);
  auto model = model::make_labeler(info);
  model::save_bundle(path, info, model);
}

}  // namespace actrec::test
