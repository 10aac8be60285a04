#include <gtest/gtest.h>

#include <filesystem>

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
  job.info.fingerprint = "sha256:test";
  job.model.cell = "lstm";
  job.model.hidden = 32;
  job.train.epochs = epochs;
  job.train.batch_size = 4;
  job.train.tbptt_steps = 0;
  job.train.lr = 0.01;
  job.train.augment = false;
  job.train.patience = 0;
  job.run_dir = run_dir;
  return job;
}

TEST(Trainer, OverfitsATinyDatasetThatNeedsMemory) {
  test::TempDir dir;
  const auto videos = cue_videos(12, 15, 3, 1);
  const TrainResult result = train_labeler(job_for(dir.path(), 60), videos, videos);
  EXPECT_DOUBLE_EQ(result.best_accuracy, 1.0);
  EXPECT_TRUE(std::filesystem::exists(dir.file("best.actrec")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("last.actrec")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("train_log.csv")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("train_curves.png")));
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
  const TrainResult clipped = train_labeler(job, videos, {});
  for (const auto& epoch : clipped.log) {
    EXPECT_DOUBLE_EQ(epoch.clipped_fraction, 1.0);  // every pre-clip norm exceeded 1e-3
    EXPECT_GT(epoch.grad_norm_mean, 1e-3);
  }
  job.train.clip_norm = 0;
  test::TempDir other;
  job.run_dir = other.path();
  for (const auto& epoch : train_labeler(job, videos, {}).log) {
    EXPECT_DOUBLE_EQ(epoch.clipped_fraction, 0.0);
  }
}

TEST(Trainer, ResumedRunEndsExactlyWhereAnUninterruptedOneDoes) {
  const auto videos = cue_videos(8, 12, 3, 3);
  TrainJob job = job_for("", 4);
  job.train.augment = true;  // randomness must repeat too
  job.train.tbptt_steps = 5;
  test::TempDir whole_dir, broken_dir;
  job.run_dir = whole_dir.path();
  const TrainResult whole = train_labeler(job, videos, videos);

  job.run_dir = broken_dir.path();
  struct Interrupted {};
  try {
    train_labeler(job, videos, videos, [](const EpochLog& e) {
      if (e.epoch == 2) throw Interrupted{};  // dies after epoch 2's checkpoint
    });
  } catch (const Interrupted&) {
  }
  job.resume = true;
  const TrainResult resumed = train_labeler(job, videos, videos);
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

TEST(Trainer, EarlyStoppingStopsAfterPatience) {
  test::TempDir dir;
  const auto videos = cue_videos(6, 8, 3, 4);
  TrainJob job = job_for(dir.path(), 200);
  job.train.patience = 3;
  job.train.lr = 0.05;
  const TrainResult result = train_labeler(job, videos, videos);
  EXPECT_TRUE(result.stopped_early);
  EXPECT_LT(result.log.size(), 200u);
  EXPECT_EQ(static_cast<int>(result.log.size()), result.best_epoch + 3);
}

}  // namespace
}  // namespace actrec::train
