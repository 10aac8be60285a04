// The labeller that label, live and eval share: one model, many streams and people.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "actrec/features/extract.hpp"
#include "actrec/pipeline/label_video.hpp"
#include "actrec/pipeline/labeler.hpp"
#include "actrec/video/frame_source.hpp"
#include "stub_models.hpp"
#include "temp_dir.hpp"

namespace actrec::pipeline {
namespace {

// Every frame's labels, by (frame, person), from a stream of `video`'s frames.
std::map<std::pair<int64_t, int>, int64_t> label_frames(Labeler& labeler, const std::string& video,
                                                        const config::PeopleConfig& people,
                                                        std::vector<int64_t>* order = nullptr) {
  auto source = video::open_source(video::classify_source(video));
  StreamLabeler stream(labeler, source->fps(), source->frame_size(), people);
  std::map<std::pair<int64_t, int>, int64_t> labels;
  auto keep = [&](const std::vector<LabelledFrame>& frames) {
    for (const auto& frame : frames) {
      if (order) order->push_back(frame.index);
      for (const auto& person : frame.people) {
        EXPECT_TRUE(labels.insert({{frame.index, person.person}, person.label}).second);
      }
    }
  };
  while (auto frame = source->read()) {
    frame->prepared = labeler.extractor().prepare(frame->image);
    keep(stream.push(std::move(*frame)));
  }
  keep(stream.finish());
  return labels;
}

class LabelerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_people_backbone(dir_.file("people.pt"));
    test::write_two_people_video(dir_.file("two.avi"), 60, 25);
  }
  std::string bundle(config::Cell cell, const config::SmoothingConfig& smoothing = {}) {
    const std::string path = dir_.file(std::string(config::to_string(cell)) + ".actrec");
    test::write_bundle(path, test::people_features(dir_.file("people.pt")), cell, smoothing);
    return path;
  }
  config::PeopleConfig multi() {
    config::PeopleConfig people;
    people.persons = config::Persons::multi;
    return people;
  }
  test::TempDir dir_;
};

TEST_F(LabelerTest, CachedObservationsGiveTheLabelsOfDecodedFrames) {
  Labeler labeler(bundle(config::Cell::gru));
  const auto decoded = label_frames(labeler, dir_.file("two.avi"), {});
  const auto file = features::features_for_video(labeler.extractor(), dir_.file("two.avi"), "");
  StreamLabeler stream(labeler, file.fps, {file.width, file.height}, {});
  std::map<std::pair<int64_t, int>, int64_t> cached;
  auto keep = [&](const std::vector<LabelledFrame>& frames) {
    for (const auto& frame : frames) cached[{frame.index, 0}] = frame.people.at(0).label;
  };
  for (int64_t f = 0; f < file.frames(); ++f) {
    keep(stream.push_observation(f, file.timestamps_us[static_cast<size_t>(f)],
                                 file.values.data() + f * file.dim()));
  }
  keep(stream.finish());
  EXPECT_EQ(decoded.size(), 60u);  // single: one label per frame
  EXPECT_EQ(cached, decoded);
}

TEST_F(LabelerTest, SmoothingDelaysLabelsButEveryFrameComesOnceInOrder) {
  config::SmoothingConfig smoothing;
  smoothing.switch_penalty = 4;
  smoothing.delay_s = 0.4;  // 10 steps at the model's 25 fps
  Labeler smoothed(bundle(config::Cell::rnn, smoothing));
  auto source = video::open_source(video::classify_source(dir_.file("two.avi")));
  StreamLabeler stream(smoothed, source->fps(), source->frame_size(), multi());
  EXPECT_EQ(stream.delay_steps(), 10);
  std::vector<int64_t> order;
  int64_t pushed = 0;
  while (auto frame = source->read()) {
    frame->prepared = smoothed.extractor().prepare(frame->image);
    for (const auto& done : stream.push(std::move(*frame))) {
      order.push_back(done.index);
      EXPECT_LE(done.index, pushed - 10);  // final only ten steps later
    }
    ++pushed;
  }
  for (const auto& done : stream.finish()) order.push_back(done.index);
  ASSERT_EQ(order.size(), 60u);
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], static_cast<int64_t>(i));
}

TEST_F(LabelerTest, EachPersonKeepsAnIdAndTheirLabelsDoNotDependOnWhoElseIsThere) {
  // The right person enters at frame 20 and leaves at frame 45.
  test::write_two_people_video(dir_.file("enters.avi"), 60, 25, 20, 45);
  test::write_two_people_video(dir_.file("alone.avi"), 60, 25, 60);  // the left one only
  Labeler labeler(bundle(config::Cell::lstm));
  const auto both = label_frames(labeler, dir_.file("enters.avi"), multi());
  const auto alone = label_frames(labeler, dir_.file("alone.avi"), multi());
  std::set<int> ids;
  for (const auto& [key, label] : both) ids.insert(key.second);
  EXPECT_EQ(ids, (std::set<int>{1, 2}));  // the left one first, the newcomer next
  int shared = 0;
  for (const auto& [key, label] : alone) {
    ASSERT_EQ(key.second, 1);
    ASSERT_TRUE(both.count(key)) << "frame " << key.first;
    EXPECT_EQ(both.at(key), label) << "frame " << key.first;
    ++shared;
  }
  EXPECT_EQ(shared, 60);
  EXPECT_FALSE(both.count({10, 2}));  // not there yet
  EXPECT_TRUE(both.count({30, 2}));
}

TEST_F(LabelerTest, PeopleWhoLeaveAreForgottenAndNobodyMeansNoRows) {
  test::write_two_people_video(dir_.file("leaves.avi"), 80, 25, 0, 20);
  Labeler labeler(bundle(config::Cell::gru));
  config::PeopleConfig people = multi();
  people.max_age_s = 0.5;
  auto source = video::open_source(video::classify_source(dir_.file("leaves.avi")));
  StreamLabeler stream(labeler, source->fps(), source->frame_size(), people);
  size_t most = 0;
  while (auto frame = source->read()) {
    frame->prepared = labeler.extractor().prepare(frame->image);
    stream.push(std::move(*frame));
    most = std::max(most, stream.tracks());
  }
  EXPECT_EQ(most, 2u);
  EXPECT_EQ(stream.tracks(), 1u);  // the one who left over a second ago is gone

  cv::Mat black(120, 160, CV_8UC3, cv::Scalar::all(0));
  StreamLabeler empty(labeler, 25, black.size(), people);
  Frame frame;
  frame.prepared = labeler.extractor().prepare(black);
  const auto frames = empty.push(frame);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_TRUE(frames[0].people.empty());
  StreamLabeler single(labeler, 25, black.size(), {});
  auto one = single.push(frame);
  const auto held = single.finish();  // smoothing may hold a label back until the end
  one.insert(one.end(), held.begin(), held.end());
  ASSERT_EQ(one.size(), 1u);
  ASSERT_EQ(one[0].people.size(), 1u);  // single mode labels every frame, seen or not
}

}  // namespace
}  // namespace actrec::pipeline
