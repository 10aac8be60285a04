#include "actrec/pipeline/online_labeler.hpp"

#include "actrec/core/error.hpp"
#include "actrec/model/bundle.hpp"
#include "actrec/preprocess/frame_sampler.hpp"

namespace actrec::pipeline {

struct OnlineLabeler::Impl {
  model::Bundle bundle;
  std::unique_ptr<features::FeatureExtractor> extractor;
  model::RecurrentState state;
  preprocess::FrameSampler sampler{0, 0};
  FrameLabel last;
  std::vector<float> features;
};

OnlineLabeler::OnlineLabeler(const std::string& bundle_path) : impl_(std::make_unique<Impl>()) {
  impl_->bundle = model::load_bundle(bundle_path);
  impl_->extractor = std::make_unique<features::FeatureExtractor>(impl_->bundle.info.features);
  model::check_features_match(impl_->bundle.info, impl_->extractor->fingerprint(),
                              impl_->extractor->dim(), bundle_path);
}

OnlineLabeler::~OnlineLabeler() = default;

const std::vector<std::string>& OnlineLabeler::labels() const { return impl_->bundle.info.labels; }
const std::string& OnlineLabeler::background() const { return impl_->bundle.info.background; }
double OnlineLabeler::model_fps() const { return impl_->bundle.info.fps; }
features::FeatureExtractor& OnlineLabeler::extractor() { return *impl_->extractor; }
bool OnlineLabeler::thins() const { return impl_->sampler.thins(); }

void OnlineLabeler::start(double source_fps) {
  impl_->state = {};
  impl_->sampler = preprocess::FrameSampler(model_fps(), source_fps);
  impl_->last = {};
}

FrameLabel OnlineLabeler::push(const Frame& frame) {
  Impl& impl = *impl_;
  if (!impl.sampler.take(frame.timestamp_us) && !impl.last.probabilities.empty()) {
    FrameLabel held = impl.last;
    held.fresh = false;
    return held;
  }
  impl.features.clear();
  impl.extractor->infer({frame.prepared}, impl.features);
  torch::NoGradGuard no_grad;
  const auto x = torch::from_blob(impl.features.data(),
                                  {1, static_cast<int64_t>(impl.features.size())}, torch::kFloat32);
  const auto probabilities =
      torch::softmax(impl.bundle.model->step(x, impl.state), 1)[0].contiguous();
  FrameLabel result;
  result.probabilities.assign(probabilities.data_ptr<float>(),
                              probabilities.data_ptr<float>() + probabilities.numel());
  result.label = probabilities.argmax().item<int64_t>();
  result.confidence = result.probabilities[static_cast<size_t>(result.label)];
  result.fresh = true;
  impl.last = result;
  return result;
}

}  // namespace actrec::pipeline
