// The labeller that label, live and eval share: one model, many streams and people.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include "actrec/features/extract.hpp"
#include "actrec/pipeline/label_video.hpp"
#include "actrec/pipeline/labeler.hpp"
#include "actrec/video/frame_source.hpp"
#include "actrec/video/realtime_source.hpp"
#include "actrec/video/threaded_source.hpp"
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

TEST_F(LabelerTest, AReconnectedStreamGoesOnWithNewIdsAndItsOwnClock) {
  Labeler labeler(bundle(config::Cell::gru));
  auto source = video::open_source(video::classify_source(dir_.file("two.avi")));
  StreamLabeler stream(labeler, source->fps(), source->frame_size(), multi());
  std::vector<LabelledFrame> out;
  auto keep = [&](std::vector<LabelledFrame> frames) {
    for (auto& frame : frames) out.push_back(std::move(frame));
  };
  // Two connections to the same source, each starting at its frame 0, time 0; 3 s apart.
  for (int connection = 0; connection < 2; ++connection) {
    if (connection == 1) keep(stream.reconnect(source->fps(), source->frame_size(), 3.0));
    source = video::open_source(video::classify_source(dir_.file("two.avi")));
    while (auto frame = source->read()) {
      frame->prepared = labeler.extractor().prepare(frame->image);
      keep(stream.push(std::move(*frame)));
    }
  }
  keep(stream.finish());
  ASSERT_EQ(out.size(), 120u);  // every frame of both, once
  std::set<int> first_ids, second_ids;
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].index, static_cast<int64_t>(i));  // indices go on: 60 follows 59
    for (const auto& person : out[i].people)
      (i < 60 ? first_ids : second_ids).insert(person.person);
  }
  EXPECT_EQ(out[60].timestamp_us, out[59].timestamp_us + 3000000);
  EXPECT_EQ(first_ids, (std::set<int>{1, 2}));
  EXPECT_EQ(second_ids, (std::set<int>{3, 4}));  // followed afresh, with ids never used before
}

// The frames of `video`, decoded once, for feeding a stream with indices of the test's choosing.
std::vector<Frame> decoded(Labeler& labeler, const std::string& video) {
  auto source = video::open_source(video::classify_source(video));
  std::vector<Frame> frames;
  while (auto frame = source->read()) {
    frame->prepared = labeler.extractor().prepare(frame->image);
    frames.push_back(std::move(*frame));
  }
  return frames;
}

// Pushes `frames` with the indices given (same count) and checks that every frame comes out
// exactly once, in the order pushed, with its own index and a label for each person.
void expect_each_frame_once(StreamLabeler& stream, std::vector<Frame> frames,
                            const std::vector<int64_t>& indices) {
  ASSERT_EQ(frames.size(), indices.size());
  std::vector<LabelledFrame> out;
  for (size_t i = 0; i < frames.size(); ++i) {
    frames[i].index = indices[i];
    for (auto& done : stream.push(std::move(frames[i]))) out.push_back(std::move(done));
  }
  for (auto& done : stream.finish()) out.push_back(std::move(done));
  ASSERT_EQ(out.size(), indices.size());
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].index, indices[i]) << "frame " << i;
    for (const auto& person : out[i].people) {
      EXPECT_GE(person.label, 0) << "frame " << i << " person " << person.person;
      EXPECT_EQ(person.probabilities.size(), 3u);
    }
  }
}

TEST_F(LabelerTest, FramesAreKeptByTheirOwnOrderNotByTheirIndices) {
  // Live sources leave gaps (dropped frames); an embedder may send index 0 every time or any
  // numbers at all. With smoothing, labels wait for later frames, by the stream's own count.
  config::SmoothingConfig smoothing;
  smoothing.switch_penalty = 4;
  smoothing.delay_s = 0.2;
  Labeler labeler(bundle(config::Cell::gru, smoothing));
  const auto frames = decoded(labeler, dir_.file("two.avi"));
  std::vector<int64_t> gapped, zeros(frames.size(), 0), repeated, arbitrary;
  for (size_t i = 0; i < frames.size(); ++i) {
    gapped.push_back(static_cast<int64_t>(i * 7 + i * i));  // ever larger gaps
    repeated.push_back(static_cast<int64_t>(i / 3));
    arbitrary.push_back(static_cast<int64_t>((i * 7919) % 101) - 50);  // negative, backwards
  }
  for (const auto* indices : {&gapped, &zeros, &repeated, &arbitrary}) {
    for (const auto& people : {config::PeopleConfig{}, multi()}) {
      StreamLabeler stream(labeler, 25, {160, 120}, people);
      expect_each_frame_once(stream, frames, *indices);
    }
  }
}

TEST_F(LabelerTest, ASourceThatDropsFramesUnderLoadIsLabelledWhole) {
  // A file played in real time into a newest-wins queue of one, read by a consumer slower than
  // the source (as on a busy CPU): frames are dropped, and every frame that gets through is
  // labelled once, in order.
  config::SmoothingConfig smoothing;
  smoothing.switch_penalty = 4;
  smoothing.delay_s = 0.3;
  Labeler labeler(bundle(config::Cell::lstm, smoothing));
  test::write_two_people_video(dir_.file("fast.avi"), 150, 100);
  for (const auto& people : {config::PeopleConfig{}, multi()}) {
    video::ThreadedSource source(std::make_unique<video::RealtimeSource>(video::open_source(
                                     video::classify_source(dir_.file("fast.avi")))),
                                 1, QueuePolicy::drop_oldest, [&](Frame& frame) {
                                   frame.prepared = labeler.extractor().prepare(frame.image);
                                 });
    StreamLabeler stream(labeler, source.fps(), source.frame_size(), people);
    std::vector<int64_t> pushed, labelled;
    while (auto frame = source.read()) {
      pushed.push_back(frame->index);
      std::this_thread::sleep_for(std::chrono::milliseconds(25));  // the busy consumer
      for (const auto& done : stream.push(std::move(*frame))) labelled.push_back(done.index);
    }
    for (const auto& done : stream.finish()) labelled.push_back(done.index);
    EXPECT_GT(source.dropped(), 0);
    EXPECT_EQ(labelled, pushed);
    EXPECT_EQ(static_cast<int64_t>(pushed.size()) + source.dropped(), 150);
  }
}

}  // namespace
}  // namespace actrec::pipeline
