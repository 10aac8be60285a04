#include "actrec/pipeline/evaluate.hpp"

#include <algorithm>

#include "actrec/core/error.hpp"
#include "actrec/eval/calibration.hpp"
#include "actrec/pipeline/labeler.hpp"
#include "actrec/data/clips.hpp"

namespace actrec::pipeline {

EvaluationResult evaluate(const std::string& bundle_path, const std::string& manifest_path,
                          const std::string& split, const config::Config& config,
                          const config::SmoothingConfig* smoothing,
                          const std::function<void(int64_t)>& on_frames) {
  Labeler labeler(bundle_path, config.people);
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
  if (auto at = std::find(labels.begin(), labels.end(), config.events.fall_label); at != labels.end()) {
    result.evaluation.set_raised_class(at - labels.begin());
  }
  const double temperature = labeler.info().temperature;
  for (const auto& clip : loaded) {
    const features::FeatureFile& file = clip.observations;
    config::PeopleConfig single = config.people;
    single.persons = config::Persons::single;
    StreamLabeler stream(labeler, file.fps, {file.width, file.height}, single, config.events);
    ClipResult scored{clip.clip->video, {}, clip.data.targets, {}, {}, 0};
    auto keep = [&](const std::vector<LabelledFrame>& frames) {
      for (const auto& frame : frames) {
        const PersonLabel& person = frame.people.at(0);
        scored.predicted.push_back(person.label);
        scored.confidence.push_back(person.confidence);
        scored.probabilities.push_back(
            temperature == 1.0 ? person.probabilities
                               : eval::with_temperature(person.probabilities, 1.0 / temperature));
        for (const auto& event : frame.events) scored.falls += event.kind == PersonEvent::Kind::fall;
      }
    };
    for (int64_t f = 0; f < file.frames(); ++f) {
      keep(stream.push_observation(f, file.timestamps_us[static_cast<size_t>(f)],
                                   file.values.data() + f * file.dim()));
    }
    keep(stream.finish());
    result.evaluation.add(scored.predicted, scored.truth, scored.video, file.fps, scored.falls);
    result.clips.push_back(std::move(scored));
  }
  return result;
}

}  // namespace actrec::pipeline
