#include "actrec/pipeline/evaluate.hpp"

#include "actrec/core/error.hpp"
#include "actrec/pipeline/labeler.hpp"
#include "actrec/data/clips.hpp"

namespace actrec::pipeline {

EvaluationResult evaluate(const std::string& bundle_path, const std::string& manifest_path,
                          const std::string& split, const config::Config& config,
                          const config::SmoothingConfig* smoothing,
                          const std::function<void(int64_t)>& on_frames) {
  Labeler labeler(bundle_path);
  if (smoothing) labeler.set_smoothing(*smoothing);
  data::DataProblems problems;
  const data::Manifest manifest = data::read_manifest(manifest_path, problems);
  problems.throw_if_any();
  if (data::clips_in_split(manifest, split).empty()) {
    throw DataError(manifest_path + ": no clips in split '" + split + "'");
  }
  config::Config data_config = config;
  data_config.data.background = labeler.background();
  const auto& labels = labeler.labels();
  const auto loaded =
      data::load_split(manifest, split, labels, data_config, labeler.extractor(),
                        data::feature_cache_dir(config.train.cache_dir), problems, on_frames);
  problems.throw_if_any();

  std::vector<int64_t> background;
  if (auto at = std::find(labels.begin(), labels.end(), labeler.background()); at != labels.end()) {
    background.push_back(at - labels.begin());
  }
  EvaluationResult result{eval::Evaluation(labels, background), {}};
  for (const auto& clip : loaded) {
    const features::FeatureFile& file = clip.observations;
    config::PeopleConfig single = config.people;
    single.persons = config::Persons::single;
    StreamLabeler stream(labeler, file.fps, {file.width, file.height}, single);
    ClipResult scored{clip.clip->video, {}, clip.data.targets};
    auto keep = [&](const std::vector<LabelledFrame>& frames) {
      for (const auto& frame : frames) scored.predicted.push_back(frame.people.at(0).label);
    };
    for (int64_t f = 0; f < file.frames(); ++f) {
      keep(stream.push_observation(f, file.timestamps_us[static_cast<size_t>(f)],
                                   file.values.data() + f * file.dim()));
    }
    keep(stream.finish());
    result.evaluation.add(scored.predicted, scored.truth, scored.video, file.fps);
    result.clips.push_back(std::move(scored));
  }
  return result;
}

}  // namespace actrec::pipeline
