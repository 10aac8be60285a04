// The embedding API (actrec/actrec.hpp) through libactrec.so, as a program using it sees it:
// the labels of the pipeline it wraps, frame for frame; repeated and skipped frames, clocks
// that go back, any frame size; streams on threads; lifetimes; errors.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <optional>
#include <thread>

#include "actrec/actrec.hpp"
#include "actrec/pipeline/labeler.hpp"
#include "stub_models.hpp"
#include "temp_dir.hpp"
#include "test_paths.hpp"

namespace actrec::test {
namespace {

constexpr double kFps = 25;

// One person in one frame, as compared between runs.
struct Seen {
  int id;
  int label;
  double confidence;
  cv::Rect2f box;
};
bool operator==(const Seen& a, const Seen& b) {
  return a.id == b.id && a.label == b.label && std::abs(a.confidence - b.confidence) < 1e-6 &&
         std::abs(a.box.x - b.box.x) < 1e-3 && std::abs(a.box.y - b.box.y) < 1e-3 &&
         std::abs(a.box.width - b.box.width) < 1e-3 && std::abs(a.box.height - b.box.height) < 1e-3;
}
std::ostream& operator<<(std::ostream& out, const Seen& s) {
  return out << "#" << s.id << " label " << s.label << " (" << s.confidence << ") " << s.box;
}
using Frames = std::vector<std::vector<Seen>>;  // per frame, in order

std::vector<Seen> seen(const FrameResult& frame) {
  std::vector<Seen> people;
  for (const auto& p : frame.people) people.push_back({p.id, p.label, p.confidence, p.box});
  return people;
}

// `frames` at kFps through the pipeline the API wraps (what `actrec label` runs), each batch of
// final frames handed to `keep`.
template <typename Keep>
void label_in_pipeline(pipeline::Labeler& labeler, pipeline::StreamLabeler& stream,
                       const std::vector<cv::Mat>& frames, Keep&& keep) {
  for (size_t i = 0; i < frames.size(); ++i) {
    Frame frame;
    frame.index = static_cast<int64_t>(i);
    frame.timestamp_us = std::llround(static_cast<double>(i) * 1e6 / kFps);
    frame.image = frames[i];
    frame.prepared = labeler.extractor().prepare(frames[i]);
    keep(stream.push(std::move(frame)));
  }
  keep(stream.finish());
}

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_people_backbone(dir_.file("people.pt"));
    write_bundle(bundle_, people_features(dir_.file("people.pt")), config::Cell::gru);
    write_two_people_video(dir_.file("two.avi"), 60, kFps, 10, 45);
    cv::VideoCapture capture(dir_.file("two.avi"));
    for (cv::Mat frame; capture.read(frame);) frames_.push_back(frame.clone());
    ASSERT_EQ(frames_.size(), 60u);
  }

  // Every frame of the clip through a stream, with times i / fps unless `times` says.
  Frames label(Stream& stream, const std::vector<double>& times = {}) {
    Frames out;
    auto keep = [&](const std::vector<FrameResult>& results) {
      for (const auto& result : results) {
        EXPECT_EQ(result.frame, static_cast<int64_t>(out.size()));
        out.push_back(seen(result));
      }
    };
    for (size_t i = 0; i < frames_.size(); ++i) {
      keep(stream.push(frames_[i], times.empty() ? static_cast<double>(i) / kFps : times[i]));
    }
    keep(stream.finish());
    return out;
  }

  StreamOptions multi() const {
    StreamOptions options;
    options.fps = kFps;
    options.persons = Persons::multi;
    return options;
  }

  TempDir dir_;
  std::string bundle_ = dir_.file("gru.actrec");
  std::vector<cv::Mat> frames_;
};

TEST_F(ApiTest, EveryFrameComesBackOnceInOrderWithThePipelinesLabels) {
  const Labeler labeler = Labeler::open(bundle_);
  EXPECT_EQ(labeler.labels(), (std::vector<std::string>{"dark", "light", "background"}));
  EXPECT_GT(labeler.delay_s(), 0.0);  // the bundle smooths: labels come later than their frames
  Stream stream = labeler.stream(multi());
  const Frames api = label(stream);
  EXPECT_EQ(stream.frames(), 60);

  // The same frames through the pipeline the API wraps (what `actrec label` runs).
  pipeline::Labeler pipeline_labeler(bundle_);
  config::PeopleConfig people;
  people.persons = config::Persons::multi;
  pipeline::StreamLabeler pipeline_stream(pipeline_labeler, kFps, frames_[0].size(), people);
  Frames expected;
  auto keep = [&](const std::vector<pipeline::LabelledFrame>& done) {
    for (const auto& frame : done) {
      std::vector<Seen> row;
      for (const auto& p : frame.people) {
        const cv::Rect2f box(p.pose[51], p.pose[52], p.pose[53] - p.pose[51],
                             p.pose[54] - p.pose[52]);
        row.push_back({p.person, static_cast<int>(p.label), p.confidence, box});
      }
      expected.push_back(row);
    }
  };
  label_in_pipeline(pipeline_labeler, pipeline_stream, frames_, keep);
  ASSERT_EQ(api.size(), 60u);
  EXPECT_EQ(api, expected);
  // Two people while the right one is in view, one before and after.
  EXPECT_EQ(api[20].size(), 2u);
  EXPECT_EQ(api[5].size(), 1u);
}

TEST_F(ApiTest, APersonCarriesKeypointsBoxAndProbabilities) {
  const Labeler labeler = Labeler::open(bundle_);
  Stream stream = labeler.stream(multi());
  std::vector<FrameResult> results;
  for (size_t i = 0; i < 20; ++i) {
    for (auto& r : stream.push(frames_[i], static_cast<double>(i) / kFps)) results.push_back(r);
  }
  for (auto& r : stream.finish()) results.push_back(r);
  ASSERT_EQ(results.size(), 20u);
  const PersonResult& person = results[15].people.at(0);
  EXPECT_TRUE(person.seen);
  EXPECT_EQ(person.label_name, labeler.labels().at(static_cast<size_t>(person.label)));
  ASSERT_EQ(person.probabilities.size(), 3u);
  EXPECT_NEAR(person.probabilities[0] + person.probabilities[1] + person.probabilities[2], 1.0,
              1e-5);
  EXPECT_DOUBLE_EQ(person.confidence, person.probabilities[static_cast<size_t>(person.label)]);
  EXPECT_GT(person.box.area(), 0.0f);
  EXPECT_GT(person.visible, 0.0f);
  EXPECT_LE(person.visible, 1.0f);
  // The stand-in figure's keypoints lie in its box, in pixels of the 160x120 frame.
  for (const auto& k : person.keypoints) {
    EXPECT_GE(k.x, person.box.x - 1);
    EXPECT_LE(k.x, person.box.br().x + 1);
    EXPECT_GT(k.score, 0.0f);
  }
  EXPECT_DOUBLE_EQ(results[15].time_s, 15 / kFps);
}

TEST_F(ApiTest, ARepeatedFrameGetsTheLabelsBeforeItAndTheModelDoesNotStep) {
  const Labeler labeler = Labeler::open(bundle_);
  Stream once = labeler.stream(multi());
  const Frames expected = label(once);

  // Each frame pushed twice with the same time (a capture loop that saw no new frame).
  Stream twice = labeler.stream(multi());
  Frames got;
  std::vector<double> times;
  auto keep = [&](const std::vector<FrameResult>& results) {
    for (const auto& r : results) {
      EXPECT_EQ(r.frame, static_cast<int64_t>(got.size()));
      got.push_back(seen(r));
      times.push_back(r.time_s);
    }
  };
  for (size_t i = 0; i < frames_.size(); ++i) {
    for (int copy = 0; copy < 2; ++copy)
      keep(twice.push(frames_[i], static_cast<double>(i) / kFps));
  }
  keep(twice.finish());
  ASSERT_EQ(got.size(), 120u);
  for (size_t i = 0; i < frames_.size(); ++i) {
    EXPECT_EQ(got[2 * i], expected[i]) << "frame " << i;
    EXPECT_EQ(got[2 * i + 1], expected[i]) << "repeat of frame " << i;
    EXPECT_DOUBLE_EQ(times[2 * i + 1], static_cast<double>(i) / kFps);
  }
}

TEST_F(ApiTest, AClockThatGoesBackIsCarriedOnFromTheLastTime) {
  const Labeler labeler = Labeler::open(bundle_);
  Stream steady = labeler.stream(multi());
  const Frames expected = label(steady);
  // The caller's clock starts again from 0 at frame 30 (a camera that reconnected).
  std::vector<double> times;
  for (size_t i = 0; i < frames_.size(); ++i) times.push_back(static_cast<double>(i % 30) / kFps);
  Stream reset = labeler.stream(multi());
  EXPECT_EQ(label(reset, times), expected);
}

TEST_F(ApiTest, SkippedFramesAreJustAbsent) {
  const Labeler labeler = Labeler::open(bundle_);
  Stream stream = labeler.stream(multi());
  int64_t results = 0;
  for (size_t i = 0; i < frames_.size(); i += 3) {  // two of every three frames dropped
    results += static_cast<int64_t>(stream.push(frames_[i], static_cast<double>(i) / kFps).size());
  }
  results += static_cast<int64_t>(stream.finish().size());
  EXPECT_EQ(results, 20);
  EXPECT_EQ(stream.frames(), 20);
}

TEST_F(ApiTest, FramesOfAnySizeAndColourLayout) {
  // One figure only, so that the one person labelled is the same in both streams.
  write_two_people_video(dir_.file("one.avi"), 30, kFps, 1000);
  cv::VideoCapture capture(dir_.file("one.avi"));
  frames_.clear();
  for (cv::Mat frame; capture.read(frame);) frames_.push_back(frame.clone());
  ASSERT_EQ(frames_.size(), 30u);
  const Labeler labeler = Labeler::open(bundle_);
  StreamOptions options;
  options.fps = kFps;
  Stream reference = labeler.stream(options);  // single: the one person, every frame
  options.keep_images = true;
  Stream stream = labeler.stream(options);
  std::vector<FrameResult> expected, results;
  auto keep = [](std::vector<FrameResult>& into, std::vector<FrameResult>&& done) {
    for (auto& r : done) into.push_back(std::move(r));
  };
  for (size_t i = 0; i < 30; ++i) {
    const double time_s = static_cast<double>(i) / kFps;
    keep(expected, reference.push(frames_[i], time_s));
    cv::Mat frame = frames_[i];
    if (i >= 10 && i < 20) cv::resize(frames_[i], frame, {}, 2.0, 2.0, cv::INTER_NEAREST);
    if (i == 20) cv::cvtColor(frames_[i], frame, cv::COLOR_BGR2GRAY);
    if (i == 21) cv::cvtColor(frames_[i], frame, cv::COLOR_BGR2BGRA);
    cv::Mat buffer = frame.clone();  // a capture loop's buffer, overwritten after each push
    keep(results, stream.push(buffer, time_s));
    buffer.setTo(cv::Scalar::all(255));
  }
  keep(expected, reference.finish());
  keep(results, stream.finish());
  ASSERT_EQ(results.size(), 30u);
  ASSERT_EQ(expected.size(), 30u);
  // Boxes are in pixels of each frame as pushed: twice as large in the frames twice as large.
  for (size_t i = 10; i < 20; ++i) {
    const cv::Rect2f small = expected[i].people.at(0).box, large = results[i].people.at(0).box;
    ASSERT_GT(small.width, 0.0f) << "frame " << i;
    EXPECT_NEAR(large.br().x / small.br().x, 2.0, 0.15) << "frame " << i;
    EXPECT_NEAR(large.width / small.width, 2.0, 0.3) << "frame " << i;
  }
  // Grey and BGRA frames see what the BGR frame shows.
  for (size_t i : {20, 21}) {
    EXPECT_NEAR(results[i].people.at(0).box.x, expected[i].people.at(0).box.x, 1.0) << i;
  }
  // keep_images: each result holds a copy of its own frame, untouched by the caller's buffer.
  EXPECT_EQ(results[10].image.size(), cv::Size(320, 240));
  EXPECT_EQ(cv::norm(results[5].image, frames_[5], cv::NORM_INF), 0.0);
  EXPECT_EQ(results[20].image.channels(), 1);
  EXPECT_TRUE(expected[5].image.empty());
}

TEST_F(ApiTest, BadFramesAreRefusedAndAFinishedStreamTakesNoMore) {
  const Labeler labeler = Labeler::open(bundle_);
  Stream stream = labeler.stream(multi());
  EXPECT_THROW(stream.push(cv::Mat(), 0.0), InputError);
  EXPECT_THROW(stream.push(cv::Mat(120, 160, CV_32FC3, cv::Scalar::all(0)), 0.0), InputError);
  EXPECT_THROW(stream.push(frames_[0], std::nan("")), InputError);
  EXPECT_EQ(stream.frames(), 0);  // refused frames are not counted
  stream.push(frames_[0], 0.0);
  stream.finish();
  EXPECT_TRUE(stream.finish().empty());
  try {
    stream.push(frames_[1], 0.04);
    ADD_FAILURE() << "a finished stream took a frame";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "cannot label frame 1: the stream was finished");
  }
  StreamOptions negative;
  negative.fps = -1;
  EXPECT_THROW(labeler.stream(negative), ConfigError);
}

TEST_F(ApiTest, StreamsOnThreadsShareOneLabeler) {
  const Labeler labeler = Labeler::open(bundle_);
  Stream alone = labeler.stream(multi());
  const Frames expected = label(alone);
  std::vector<Frames> got(3);
  std::vector<std::thread> threads;
  for (auto& frames : got) {
    threads.emplace_back([&, copy = labeler] {  // a copy of the handle: the same model
      Stream stream = copy.stream(multi());
      frames = label(stream);
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& frames : got) EXPECT_EQ(frames, expected);
}

TEST_F(ApiTest, ACallbackGetsWhatPushWouldReturn) {
  const Labeler labeler = Labeler::open(bundle_);
  Stream plain = labeler.stream(multi());
  const Frames expected = label(plain);
  Frames got;
  StreamOptions options = multi();
  options.on_result = [&](const FrameResult& result) { got.push_back(seen(result)); };
  Stream called = labeler.stream(options);
  for (size_t i = 0; i < frames_.size(); ++i) {
    EXPECT_TRUE(called.push(frames_[i], static_cast<double>(i) / kFps).empty());
  }
  EXPECT_TRUE(called.finish().empty());
  EXPECT_EQ(got, expected);
}

TEST_F(ApiTest, AStreamKeepsItsModelAliveAndSmoothingCanBeOff) {
  LabelerOptions options;
  options.smoothing = Smoothing::off;
  std::optional<Stream> stream;
  {
    const Labeler labeler = Labeler::open(bundle_, options);
    EXPECT_EQ(labeler.delay_s(), 0.0);
    stream.emplace(labeler.stream(multi()));
  }  // the last handle is gone; the stream still holds the model
  for (size_t i = 0; i < frames_.size(); ++i) {
    // No look-ahead: each frame's labels are final when it is pushed.
    EXPECT_EQ(stream->push(frames_[i], static_cast<double>(i) / kFps).size(), 1u);
  }
  EXPECT_TRUE(stream->finish().empty());
}

// The figure of write_falling_person_video tips over, lies still, gets up: with a model whose
// falls are its tipping over, the events a stream raises.
class ApiFallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_people_backbone(dir_.file("people.pt"));
    write_motion_bundle(bundle_, people_features(dir_.file("people.pt")));
    write_falling_person_video(dir_.file("fall.avi"), 0, true);
    cv::VideoCapture capture(dir_.file("fall.avi"));
    for (cv::Mat frame; capture.read(frame);) frames_.push_back(frame.clone());
    ASSERT_EQ(frames_.size(), 170u);
  }

  using Events = std::vector<std::pair<std::string, double>>;  // kind, time
  Events events_of(StreamOptions options) {
    options.fps = kFps;
    options.persons = Persons::multi;
    options.settings.insert(options.settings.begin(),
                            {"events.fall_label=dark", "events.confirm_s=1"});
    Stream stream = Labeler::open(bundle_).stream(options);
    Events events;
    auto keep = [&](const std::vector<FrameResult>& results) {
      for (const auto& result : results)
        for (const auto& event : result.events)
          events.emplace_back(to_string(event.kind), event.end_s);
    };
    for (size_t i = 0; i < frames_.size(); ++i)
      keep(stream.push(frames_[i], static_cast<double>(i) / kFps));
    keep(stream.finish());
    return events;
  }

  TempDir dir_;
  std::string bundle_ = dir_.file("motion.actrec");
  std::vector<cv::Mat> frames_;
};

TEST_F(ApiFallTest, AStreamRaisesTheFallEventsOfThePipelineWithItsSettings) {
  const Events api = events_of({});
  ASSERT_EQ(api.size(), 2u);
  EXPECT_EQ(api[0].first, "fall");
  EXPECT_EQ(api[1].first, "up");

  // What `label --events` and `live` run: the stream labeller with the frames' real size.
  pipeline::Labeler labeler(bundle_);
  config::PeopleConfig people;
  people.persons = config::Persons::multi;
  config::EventsConfig settings;
  settings.fall_label = "dark";
  settings.confirm_s = 1;
  pipeline::StreamLabeler stream(labeler, kFps, frames_[0].size(), people, settings);
  Events expected;
  auto keep = [&](const std::vector<pipeline::LabelledFrame>& done) {
    for (const auto& frame : done)
      for (const auto& event : frame.events)
        expected.emplace_back(to_string(event.kind), event.end_s);
  };
  label_in_pipeline(labeler, stream, frames_, keep);
  EXPECT_EQ(api, expected);

  // Getting up must last longer than the clip's standing: the fall stands.
  StreamOptions slow;
  slow.settings = {"events.up_s=10"};
  const Events standing = events_of(slow);
  ASSERT_EQ(standing.size(), 1u);
  EXPECT_EQ(standing[0].first, "fall");
}

TEST_F(ApiFallTest, NoFallInAZoneAndTheMotionGateChangesNoEvent) {
  StreamOptions bed;
  bed.zones = {{{0.5f, 0.f}, {1.f, 0.f}, {1.f, 1.f}, {0.5f, 1.f}}};  // the right half, in fractions
  EXPECT_TRUE(events_of(bed).empty());
  StreamOptions in_pixels;
  in_pixels.zones = {{{0.f, 0.f}, {100.f, 0.f}, {100.f, 120.f}}};  // the left, where nobody lies
  EXPECT_EQ(events_of(in_pixels).size(), 2u);

  const Events every = events_of({});
  StreamOptions gated;
  gated.motion_gate = true;
  const Events gate = events_of(gated);
  ASSERT_EQ(gate.size(), every.size());
  for (size_t i = 0; i < gate.size(); ++i) {
    EXPECT_EQ(gate[i].first, every[i].first);
    EXPECT_NEAR(gate[i].second, every[i].second, 0.25) << gate[i].first;
  }
}

TEST_F(ApiFallTest, SettingsThatAreNotAStreamsAreAConfigErrorNamingThem) {
  const Labeler labeler = Labeler::open(bundle_);
  const auto message = [&](const StreamOptions& options) -> std::string {
    try {
      labeler.stream(options);
    } catch (const ConfigError& error) {
      return error.what();
    }
    return "(accepted)";
  };
  StreamOptions model;
  model.settings = {"model.hidden=7"};
  EXPECT_NE(message(model).find("model.hidden=7"), std::string::npos) << message(model);
  StreamOptions range;
  range.settings = {"events.up_s=-1"};
  EXPECT_NE(message(range).find("events.up_s"), std::string::npos) << message(range);
  StreamOptions unknown;
  unknown.settings = {"people.colour=red"};
  EXPECT_NE(message(unknown).find("people.colour"), std::string::npos) << message(unknown);
  StreamOptions line;
  line.zones = {{{0.f, 0.f}, {1.f, 1.f}}};
  EXPECT_NE(message(line).find("zones"), std::string::npos) << message(line);
}

TEST_F(ApiTest, AModelThatIsNotThereIsAModelErrorNamingWhereItLooked) {
  const std::string missing = dir_.file("none.actrec");
  try {
    Labeler::open(missing);
    ADD_FAILURE() << "opened a bundle that does not exist";
  } catch (const ModelError& error) {  // thrown inside libactrec.so, caught by type here
    EXPECT_NE(std::string(error.what()).find("cannot find model: " + missing), std::string::npos)
        << error.what();
  }
  LabelerOptions bad;
  bad.threads = -2;
  EXPECT_THROW(Labeler::open(bundle_, bad), ConfigError);
  EXPECT_STREQ(version(), ACTREC_VERSION_STRING);
}

}  // namespace
}  // namespace actrec::test
