#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "actrec/core/error.hpp"
#include "actrec/data/clips.hpp"
#include "actrec/features/pose.hpp"
#include "actrec/model/bundle.hpp"
#include "actrec/train/trainer.hpp"
#include "temp_dir.hpp"

namespace actrec::train {
namespace {

// Videos whose every frame's label is a cue shown only in the first frame: a model must carry
// it in its state. Features: [cue one-hot (first frame only), noise].
std::vector<Sequence> cue_videos(int count, int length, int classes, uint64_t seed) {
  torch::manual_seed(seed);
  std::vector<Sequence> videos;
  for (int i = 0; i < count; ++i) {
    const int64_t cue = i % classes;
    auto x = torch::randn({length, classes + 2}) * 0.1;
    x[0][cue] = 1.0;
    videos.push_back({x, torch::full({length}, cue, torch::kInt64), "video" + std::to_string(i)});
  }
  return videos;
}

TrainJob job_for(const std::string& run_dir, int epochs) {
  TrainJob job;
  job.info.labels = {"a", "b", "c"};
  job.info.feature_dim = 5;
  job.info.observation_names = {"x"};
  job.info.probe = {0};
  job.info.fps = 15;
  job.model.cell = config::Cell::lstm;
  job.model.hidden = 32;
  job.model.dropout = 0;
  job.train.epochs = epochs;
  job.train.batch_size = 4;
  job.train.tbptt_steps = 0;
  job.train.lr = 0.01;
  job.train.augment.enabled = false;
  job.train.patience = 0;
  job.run_dir = run_dir;
  return job;
}

TEST(Trainer, OverfitsATinyDatasetThatNeedsMemory) {
  test::TempDir dir;
  const auto videos = cue_videos(12, 15, 3, 1);
  const TrainState result = train_labeler(job_for(dir.path(), 60), fixed_data(videos, videos));
  EXPECT_DOUBLE_EQ(result.best_accuracy, 1.0);
  EXPECT_TRUE(std::filesystem::exists(dir.file("best.actrec")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("last.actrec")));
  // The best checkpoint labels the training videos as the log says.
  model::Bundle best = model::load_bundle(dir.file("best.actrec"));
  for (const auto& video : videos) {
    EXPECT_TRUE(torch::equal(predict(best.model, video.features).argmax(1), video.targets));
  }
}

TEST(Trainer, ClippingBoundsEveryStepAndIsLogged) {
  test::TempDir dir;
  const auto videos = cue_videos(8, 10, 3, 2);
  TrainJob job = job_for(dir.path(), 2);
  job.train.clip_norm = 1e-3;
  const TrainState clipped = train_labeler(job, fixed_data(videos, {}));
  for (const auto& epoch : clipped.log) {
    EXPECT_DOUBLE_EQ(epoch.clipped_fraction, 1.0);  // every pre-clip norm exceeded 1e-3
    EXPECT_GT(epoch.grad_norm_mean, 1e-3);
  }
  job.train.clip_norm = 0;
  test::TempDir other;
  job.run_dir = other.path();
  for (const auto& epoch : train_labeler(job, fixed_data(videos, {})).log) {
    EXPECT_DOUBLE_EQ(epoch.clipped_fraction, 0.0);
  }
}

TEST(Trainer, ResumedRunEndsExactlyWhereAnUninterruptedOneDoes) {
  const auto videos = cue_videos(8, 12, 3, 3);
  TrainJob job = job_for("", 4);
  job.train.augment.enabled = true;  // randomness must repeat too
  job.train.tbptt_steps = 5;
  test::TempDir whole_dir, broken_dir;
  job.run_dir = whole_dir.path();
  const TrainState whole = train_labeler(job, fixed_data(videos, videos));

  job.run_dir = broken_dir.path();
  struct Interrupted {};
  try {
    train_labeler(job, fixed_data(videos, videos), [](const TrainState& state) {
      if (state.epochs_done == 2) throw Interrupted{};  // dies after epoch 2's checkpoint
    });
  } catch (const Interrupted&) {
  }
  job.resume = true;
  const TrainState resumed = train_labeler(job, fixed_data(videos, videos));
  ASSERT_EQ(resumed.log.size(), whole.log.size());
  for (size_t i = 0; i < whole.log.size(); ++i) {
    EXPECT_DOUBLE_EQ(resumed.log[i].train_loss, whole.log[i].train_loss) << "epoch " << i + 1;
    EXPECT_DOUBLE_EQ(resumed.log[i].val_accuracy, whole.log[i].val_accuracy);
  }
  model::Bundle a = model::load_bundle(whole_dir.file("last.actrec"));
  model::Bundle b = model::load_bundle(broken_dir.file("last.actrec"));
  for (const auto& item : a.model->named_parameters()) {
    EXPECT_TRUE(torch::equal(item.value(), b.model->named_parameters()[item.key()])) << item.key();
  }
}

TEST(Trainer, ResumingWithAnotherModelConfigSaysWhatChanged) {
  const auto videos = cue_videos(4, 8, 3, 3);
  test::TempDir dir;
  TrainJob job = job_for(dir.path(), 1);
  train_labeler(job, fixed_data(videos, {}));
  job.resume = true;
  job.model.hidden *= 2;
  job.model.cell = config::Cell::gru;
  const std::string message =
      test::error_message<ConfigError>([&] { train_labeler(job, fixed_data(videos, {})); });
  EXPECT_NE(message.find("the model config changed since it was saved"), std::string::npos) << message;
  EXPECT_NE(message.find("model.cell: "), std::string::npos) << message;
  EXPECT_NE(message.find("model.hidden: "), std::string::npos) << message;
}

TEST(Trainer, EarlyStoppingStopsAfterPatience) {
  test::TempDir dir;
  const auto videos = cue_videos(6, 8, 3, 4);
  TrainJob job = job_for(dir.path(), 200);
  job.train.patience = 3;
  job.train.lr = 0.05;
  const TrainState result = train_labeler(job, fixed_data(videos, videos));
  EXPECT_TRUE(result.stopped_early);
  EXPECT_LT(result.log.size(), 200u);
  EXPECT_EQ(static_cast<int>(result.log.size()), result.best_epoch + 3);
}

TEST(Trainer, WindowsRecipeScoresOnlyTheLastStepsOfShortWindowsAndStillLearns) {
  const auto videos = cue_videos(4, 40, 3, 5);
  config::TrainConfig config;
  config.recipe = config::Recipe::windows;
  config.window = 10;
  config.loss_steps = 3;
  std::mt19937_64 rng(1);
  const auto pieces = training_pieces(videos, config, rng);
  EXPECT_EQ(pieces.size(), 16u);  // 40 steps: four windows of 10 per video
  for (const auto& [x, y] : pieces) {
    ASSERT_LE(x.size(0), 10);
    const int64_t scored = (y >= 0).sum().item<int64_t>();
    EXPECT_EQ(scored, std::min<int64_t>(3, x.size(0)));
    EXPECT_TRUE((y.slice(0, 0, y.size(0) - scored) < 0).all().item<bool>());  // the rest: -1
  }
  config.recipe = config::Recipe::tbptt;
  config.augment.min_crop = 0.5;
  for (const auto& [x, y] : training_pieces(videos, config, rng)) {
    EXPECT_GE(x.size(0), 20);  // a crop of at least half of each video
    EXPECT_TRUE((y >= 0).all().item<bool>());
  }
  // Trained this way, from windows that reach back to the cue, the task is learnt.
  test::TempDir dir;
  TrainJob job = job_for(dir.path(), 80);
  job.train.recipe = config::Recipe::windows;
  job.train.window = 6;
  job.train.loss_steps = 2;
  const auto short_videos = cue_videos(12, 6, 3, 5);
  EXPECT_DOUBLE_EQ(train_labeler(job, fixed_data(short_videos, short_videos)).best_accuracy, 1.0);
}

TEST(TrainState, JsonRoundTripKeepsEveryEpochAndNotANumber) {
  TrainState state;
  state.epochs_done = 2;
  state.best_epoch = 1;
  state.best_loss = INFINITY;
  state.log = {{1, 0.01, 1.5, 0.5, NAN, NAN, 2.0, 3.0, 0.25, 100, 1.5, true},
               {2, 0.005, 1.0, 0.75, 0.9, 0.6, 1.0, 1.5, 0, 120, 1.25, false}};
  const TrainState back = TrainState::from_json(state.to_json(), "x");
  EXPECT_EQ(back.to_json(), state.to_json());
  EXPECT_TRUE(std::isinf(back.best_loss));
  EXPECT_TRUE(std::isnan(back.log[0].val_loss));
  EXPECT_DOUBLE_EQ(back.log[1].val_loss, 0.9);
  EXPECT_TRUE(back.log[0].best);
  EXPECT_THROW(TrainState::from_json("{}", "x"), Error);
}

// A person of several, followed by their boxes from a labelled run: in each frame the pose slot
// that overlaps their box, wherever the slots' order puts them; frames without them not scored.
TEST(ClipOfTrack, FollowsTheBoxesWhicheverSlotTheyAreIn) {
  using features::kPoseValues;
  features::FeatureFile file;
  file.fps = 25;
  file.width = 160;
  file.height = 120;
  file.names.resize(2 * kPoseValues);
  for (int64_t f = 0; f < 4; ++f) file.timestamps_us.push_back(f * 40000);
  file.values.assign(4 * 2 * kPoseValues, 0.0f);
  const auto put_box = [&](int64_t frame, int slot, float x0) {
    const features::Pose pose{file.values.data() + frame * 2 * kPoseValues + slot * kPoseValues};
    for (int k = 0; k < features::kKeypoints; ++k) pose.x(k) = x0 + 1, pose.score(k) = 0.5f;
    pose.box(0) = x0;
    pose.box(1) = 10;
    pose.box(2) = x0 + 20;
    pose.box(3) = 60;
  };
  // The person at x 100: slot 1, then slot 0 (the backbone's order changed), then slot 1.
  for (int64_t f = 0; f < 4; ++f) {
    const bool swapped = f == 1;
    put_box(f, swapped ? 1 : 0, 20);
    put_box(f, swapped ? 0 : 1, 100);
  }
  TempDir dir;
  const std::string track = dir.file("p2.track.csv");
  std::ofstream(track) << "frame,x0,y0,x1,y1\n0,101,10,121,60\n1,99,11,119,59\n3,100,10,120,60\n";
  const auto clip = data::clip_data_of_track(file, 2, track, {0, 1, 1, 0});
  ASSERT_EQ(clip.poses.size(), 4u * kPoseValues);
  for (int64_t f : {0, 1, 3}) {
    EXPECT_FLOAT_EQ(features::ConstPose{clip.poses.data() + f * kPoseValues}.box(0), 100) << f;
  }
  EXPECT_EQ(features::ConstPose{clip.poses.data() + 2 * kPoseValues}.box(2), 0.0f);  // no one
  EXPECT_EQ(clip.targets, (std::vector<int64_t>{0, 1, -1, 0}));
  // A file that is no track is said, with its name.
  std::ofstream(track) << "start_s,end_s,label\n";
  EXPECT_THROW(data::clip_data_of_track(file, 2, track, {0, 0, 0, 0}), DataError);
}

}  // namespace
}  // namespace actrec::train
