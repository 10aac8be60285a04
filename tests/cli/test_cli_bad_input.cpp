// Hostile and broken inputs fed to the `actrec` binary as a user would: each case must end, in
// bounded time, with its documented exit code, a message naming the culprit, no crash, and no
// output file left behind, half-written or otherwise.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <torch/script.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>
#include <sstream>
#include <string_view>

#include "run_command.hpp"
#include "stub_models.hpp"
#include "synthetic_video.hpp"
#include "temp_dir.hpp"

namespace actrec::test {
namespace {

namespace fs = std::filesystem;

// Long enough for the slowest case (three 8192x8192 frames) on a loaded CI machine; a run past
// it is a hang.
constexpr int kLimitSeconds = 120;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void write_video(const std::string& path, int frames, cv::Size size) {
  cv::VideoWriter writer(path, cv::CAP_FFMPEG, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 25,
                         size);
  ASSERT_TRUE(writer.isOpened()) << path;
  for (int i = 0; i < frames; ++i) writer.write(cv::Mat(size, CV_8UC3, cv::Scalar::all(40 * i)));
}

// Every JPEG start-of-frame header in `path` claims `side` x `side` pixels; the data stays small.
void claim_frame_size(const std::string& path, int side) {
  std::string bytes = read_file(path);
  int patched = 0;
  for (size_t at = bytes.find("\xff\xc0"); at != std::string::npos;
       at = bytes.find("\xff\xc0", at + 2), ++patched) {
    for (size_t field : {at + 5, at + 7}) {  // height, then width, big-endian
      bytes[field] = static_cast<char>(side >> 8);
      bytes[field + 1] = static_cast<char>(side & 0xff);
    }
  }
  ASSERT_GT(patched, 0) << "no JPEG frame header in " << path;
  write_text(path, bytes);
}

// Zip's CRC-32 of `bytes`.
uint32_t zip_crc(std::string_view bytes) {
  uint32_t crc = 0xffffffffu;
  for (const unsigned char c : bytes) {
    crc ^= c;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// Changes the lowest bit of the bundle's first weight (a finite number stays one) and writes
// the entry's CRC-32 anew in its local header and in the zip directory: what re-zipping an
// edited file gives. (A local header: CRC at +14, the name at +30; a directory entry: CRC at
// +16, size at +24, the name at +46.)
void change_a_weight_keeping_checksums(const std::string& path) {
  std::string bytes = read_file(path);
  const std::string entry = "archive/data/0";
  const size_t name = bytes.find(entry), listed = bytes.rfind(entry);
  ASSERT_NE(name, std::string::npos);
  ASSERT_NE(listed, name);
  auto le = [&](size_t at, int count) {
    uint32_t value = 0;
    for (int i = count - 1; i >= 0; --i) value = value << 8 | static_cast<uint8_t>(bytes[at + i]);
    return value;
  };
  const size_t local = name - 30, data = name + entry.size() + le(local + 28, 2);
  bytes[data] ^= 0x01;
  const uint32_t crc = zip_crc(std::string_view(bytes).substr(data, le(listed - 46 + 24, 4)));
  for (const size_t at : {local + 14, listed - 46 + 16}) {
    for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>(crc >> (8 * i));
  }
  write_text(path, bytes);
}

// Names of the files under `folder` (recursively), or none when it does not exist.
std::vector<std::string> files_under(const std::string& folder) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::recursive_directory_iterator(folder, error)) {
    if (entry.is_regular_file()) names.push_back(entry.path().filename().string());
  }
  return names;
}

struct BadInput {
  std::string name;
  std::function<void(TempDir&)> make;  ///< writes the bad input into the test's folder
  std::string args;                    ///< `{}` stands for that folder
  int exit_code;
  std::vector<std::string> says;  ///< parts of the error output (`{}` as in args)
  /// Files the run leaves in {}/out: none where it fails.
  std::vector<std::string> outputs = {};
};

void PrintTo(const BadInput& input, std::ostream* out) { *out << input.name; }

std::string in_dir(std::string text, const std::string& dir) {
  for (size_t at = text.find("{}"); at != std::string::npos; at = text.find("{}", at)) {
    text.replace(at, 2, dir);
    at += dir.size();
  }
  return text;
}

const char* const kLabel = "label --model {}/model.actrec -o {}/out ";
const char* const kExtract = "extract -c {}/bad.yaml {}/good.avi -o {}/out";
// A config for the colour backbone's features, its backbone at `backbone`.
std::string features_config(const std::string& backbone) {
  return "features:\n  backbone: " + backbone +
         "\n  input_width: 16\n  input_height: 16\n  input_dtype: float32\n"
         "  preset: appearance\n  pose_output: -1\n  map_output: 0\n";
}

// A backbone that loads but chokes on what the config feeds it, and a config naming it.
std::function<void(TempDir&)> misfit_backbone(const std::string& script) {
  return [script](TempDir& dir) {
    torch::jit::Module module("Misfit");
    module.register_parameter("w", torch::zeros({4, 3, 3, 3}), false);
    module.define(script);
    module.save(dir.file("misfit.pt"));
    write_text(dir.file("bad.yaml"), features_config(dir.file("misfit.pt")));
  };
}

// A config naming the colour backbone, after `change` did something to that file.
std::function<void(TempDir&)> after_backbone(
    const std::function<void(const std::string&)>& change) {
  return [change](TempDir& dir) {
    change(dir.file("colour.pt"));
    write_text(dir.file("bad.yaml"), features_config(dir.file("colour.pt")));
  };
}

std::vector<BadInput> cases() {
  const std::string label = kLabel;
  return {
      // Videos.
      {"ZeroByteVideo",
       [](TempDir& d) { write_text(d.file("v.avi"), ""); },
       label + "{}/v.avi",
       3,
       {"{}/v.avi"}},
      {"TruncatedVideo",
       [](TempDir& d) {
         write_index_video(d.file("v.avi"), 60, 25.0);
         const std::string bytes = read_file(d.file("v.avi"));
         write_text(d.file("v.avi"), bytes.substr(0, bytes.size() / 2));
       },
       label + "{}/v.avi",
       3,
       {"{}/v.avi", "truncated"}},
      {"TextFileNamedAvi",
       [](TempDir& d) { write_text(d.file("v.avi"), std::string(4000, 'x')); },
       label + "{}/v.avi",
       3,
       {"cannot open video: {}/v.avi"}},
      {"ZeroFrameVideo",
       [](TempDir& d) {
         write_video(d.file("v.avi"), 0, {64, 48});
       },
       label + "{}/v.avi",
       3,
       {"{}/v.avi", "no decodable frame"}},
      {"HeaderClaims40000x40000",
       [](TempDir& d) {
         write_video(d.file("v.avi"), 5, {64, 48});
         claim_frame_size(d.file("v.avi"), 40000);
       },
       label + "{}/v.avi",
       3,
       {"{}/v.avi"}},
      // Content decides, not the name: a good video called .dat is labelled.
      {"VideoWithWrongExtension",
       [](TempDir& d) {
         write_index_video(d.file("v.avi"), 12, 25.0);
         fs::rename(d.file("v.avi"), d.file("v.dat"));
       },
       label + "{}/v.dat",
       0,
       {},
       {"v.frames.csv", "v.segments.json", "v.srt"}},
      // Big frames are labelled in bounded memory (each is fitted to the backbone's 16x16).
      {"Huge8192x8192FramesWithOverlay",  // H.264 takes them (MPEG-4 Part 2 stopped at 8191)
       [](TempDir& d) {
         write_video(d.file("v.avi"), 3, {8192, 8192});
       },
       label + "--overlay {}/v.avi",
       0,
       {},
       {"v.frames.csv", "v.segments.json", "v.srt", "v.overlay.mp4"}},
      {"ImageFolderWithAnUnreadableImage",
       [](TempDir& d) {
         fs::create_directories(d.file("frames"));
         cv::imwrite(d.file("frames/1.png"), index_frame(1));
         write_text(d.file("frames/2.png"), "not a png");
         cv::imwrite(d.file("frames/3.png"), index_frame(3));
       },
       label + "{}/frames",
       3,
       {"{}/frames/2.png"}},
      {"MissingVideo", [](TempDir&) {}, label + "{}/nowhere.avi", 3, {"{}/nowhere.avi"}},
      // Audio that outlasts the video (phones, browsers, OBS): a whole file, labelled.
      {"MkvWhoseAudioOutlastsTheVideo",
       [](TempDir& d) {
         ASSERT_EQ(std::system(("ffmpeg -loglevel error -y -f lavfi -i "
                                "testsrc=size=64x48:rate=25:duration=2 -f lavfi -i "
                                "sine=duration=2.4 -c:v libx264 -pix_fmt yuv420p -c:a aac '" +
                                d.file("v.mkv") + "'")
                                   .c_str()),
                   0);
       },
       label + "{}/v.mkv",
       0,
       {},
       {"v.frames.csv", "v.segments.json", "v.srt"}},
      // One bad entry in a folder is one bad input: reported, the rest labelled.
      {"FolderWithALoopingSymlink",
       [](TempDir& d) {
         fs::create_directories(d.file("in"));
         write_index_video(d.file("in/good.avi"), 8, 25.0);
         fs::create_symlink("x", d.file("in/x"));  // x -> x
       },
       label + "{}/in",
       3,
       {"{}/in/x", "symbolic links"},
       {"good.frames.csv", "good.segments.json", "good.srt"}},
      {"GlobThatMatchesNothingBesideAGoodVideo",
       [](TempDir&) {},
       label + "'{}/nothing*.avi' {}/good.avi",
       3,
       {"{}/nothing*.avi: no file matches this pattern"},
       {"good.frames.csv", "good.segments.json", "good.srt"}},
      // Images of several sizes: each mapped with its own size, the overlay scaled to one.
      {"ImageFolderOfMixedSizesWithOverlay",
       [](TempDir& d) {
         fs::create_directories(d.file("frames"));
         for (int i = 0; i < 6; ++i) {
           cv::imwrite(d.file("frames/" + std::to_string(i) + ".png"),
                       index_frame(i, i % 2 ? cv::Size(160, 120) : cv::Size(96, 144)));
         }
       },
       label + "--overlay {}/frames",
       0,
       {},
       {"frames.frames.csv", "frames.segments.json", "frames.srt", "frames.overlay.mp4"}},
      {"CameraNumberNoCameraHas",
       [](TempDir&) {},
       "live --model {}/model.actrec --camera 99999999999999999999 --no-display",
       3,
       {"cannot open camera: 99999999999999999999"}},

      // Configs.
      {"ConfigWrongType",
       [](TempDir& d) { write_text(d.file("bad.yaml"), "model:\n  hidden: lots\n"); },
       kExtract,
       2,
       {"{}/bad.yaml:2", "model.hidden"}},
      {"ConfigUnknownKey",
       [](TempDir& d) { write_text(d.file("bad.yaml"), "model:\n  hiden: 64\n"); },
       kExtract,
       2,
       {"{}/bad.yaml:2", "model.hiden"}},
      {"ConfigNegativeSize",
       [](TempDir& d) { write_text(d.file("bad.yaml"), "features:\n  input_width: -16\n"); },
       kExtract,
       2,
       {"{}/bad.yaml:2", "features.input_width"}},
      {"ConfigNotYaml",
       [](TempDir& d) { write_text(d.file("bad.yaml"), "model: [1, 2\n"); },
       kExtract,
       2,
       {"{}/bad.yaml"}},
      {"OverrideWithAnEmptyKeyPart",  // looped, allocating, until memory ran out
       [](TempDir&) {},
       "config show --set .hidden=1",
       2,
       {"--set .hidden=1", "has an empty part"}},
      {"ConfigWithAKeyGivenTwice",
       [](TempDir& d) {
         write_text(d.file("bad.yaml"), "model: {hidden: 32}\nmodel:\n  hidden: 128\n");
       },
       kExtract,
       2,
       {"{}/bad.yaml:2: key 'model' is given twice (lines 1 and 2)"}},
      {"ConfigThatIsAFolder",
       [](TempDir& d) { fs::create_directories(d.file("bad.yaml")); },
       kExtract,
       2,
       {"{}/bad.yaml: is a directory"}},
      {"ConfigThatIsADevice",
       [](TempDir&) {},
       "config show /dev/zero",
       2,
       {"/dev/zero: not a regular file"}},
      {"OverrideWrongType",
       after_backbone([](const std::string&) {}),
       std::string(kExtract) + " --set features.batch_size=many",
       2,
       {"features.batch_size=many"}},

      // Manifests and annotations: every problem at once, each with file and line.
      {"ManifestWithEveryProblem",
       [](TempDir& d) {
         write_index_video(d.file("v.avi"), 30, 25.0);
         write_text(d.file("v.csv"), "start,end,label\n0,10,walk\n5,20,run\n20,90,walk\n");
         write_text(d.file("labels.yaml"), "data:\n  labels: [walk, run]\n");
         write_text(d.file("m.csv"),
                    "video,split,annotation\nv.avi,train,v.csv\ngone.avi,train,walk\n"
                    "v.avi,val,dance\n");
       },
       "data check -c {}/labels.yaml {}/m.csv",
       5,
       {"{}/v.csv:3: segment [5, 20) overlaps line 2", "{}/v.csv:4: segment [20, 90) ends past",
        "{}/m.csv:3: video {}/gone.avi does not exist", "{}/m.csv:4: unknown label 'dance'"}},

      // What spreadsheets write: a UTF-8 byte-order mark before the header. Accepted.
      {"ManifestWithByteOrderMark",
       [](TempDir& d) {
         write_index_video(d.file("v.avi"), 12, 25.0);
         write_text(d.file("m.csv"), "\xEF\xBB\xBFvideo,split,annotation\nv.avi,train,walk\n");
       },
       "data check {}/m.csv",
       0,
       {}},
      // A line no annotation has: named by file and line, quoted in 80 characters at most.
      {"ManifestWithAMegabyteLine",
       [](TempDir& d) {
         write_index_video(d.file("v.avi"), 12, 25.0);
         write_text(d.file("m.csv"), "video,split,annotation\nv.avi,train,walk\n" +
                                         std::string(1 << 20, 'x') + "\n");
       },
       "data check {}/m.csv",
       5,
       {"{}/m.csv:3: line is 1048576 bytes long, more than any annotation: '" +
        std::string(77, 'x') + "...'\n"}},
      // Labels per frame whose count is not the video's: both counts named.
      {"FrameLabelsFewerThanFrames",
       [](TempDir& d) {
         write_index_video(d.file("v.avi"), 30, 25.0);
         std::string labels;
         for (int i = 0; i < 10; ++i) labels += "walk\n";
         write_text(d.file("v.txt"), labels);
         write_text(d.file("m.csv"), "video,split,annotation\nv.avi,train,v.txt\n");
       },
       "data check {}/m.csv",
       5,
       {"{}/v.txt: 10 labels for a video of 30 decoded frames"}},

      // Models.
      {"BundleThatIsText",
       [](TempDir& d) { write_text(d.file("model.actrec"), "hello"); },
       std::string(kLabel) + "{}/good.avi",
       4,
       {"{}/model.actrec"}},
      {"BundleCutInHalf",
       [](TempDir& d) {
         const std::string bytes = read_file(d.file("model.actrec"));
         write_text(d.file("model.actrec"), bytes.substr(0, bytes.size() / 2));
       },
       std::string(kLabel) + "{}/good.avi",
       4,
       {"{}/model.actrec"}},
      {"BundleWithFlippedBytes",  // LibTorch does not check the zip's checksums: actrec does
       [](TempDir& d) {
         std::string bytes = read_file(d.file("model.actrec"));
         const size_t name = bytes.find("archive/data/0");
         const size_t extra = static_cast<uint8_t>(bytes[name - 2]);
         bytes[name + 14 + extra] ^= 0x40;
         write_text(d.file("model.actrec"), bytes);
       },
       std::string(kLabel) + "{}/good.avi",
       4,
       {"{}/model.actrec: corrupt: entry", "fails its checksum"}},
      {"BundleWithAChangedWeightAndValidChecksums",  // zip checksums say nothing of intent
       [](TempDir& d) { change_a_weight_keeping_checksums(d.file("model.actrec")); },
       std::string(kLabel) + "{}/good.avi",
       4,
       {"{}/model.actrec: weights do not match their digest: the file was changed after it was "
        "saved"}},
      // Model files that are not files: refused before anything is read, nothing hangs or grows.
      {"BundleThatIsAFifo",  // opening it to read waited for a writer for ever
       [](TempDir& d) { ASSERT_EQ(::mkfifo(d.file("fifo.actrec").c_str(), 0600), 0); },
       "label --model {}/fifo.actrec -o {}/out {}/good.avi",
       4,
       {"cannot load model bundle: {}/fifo.actrec: a FIFO (named pipe), not a model file"}},
      {"BundleThatIsADevice",  // reading it filled memory without end
       [](TempDir& d) { fs::create_symlink("/dev/zero", d.file("zero.actrec")); },
       "label --model {}/zero.actrec -o {}/out {}/good.avi",
       4,
       {"cannot load model bundle: {}/zero.actrec: a character device, not a model file"}},
      {"BundleThatIsAFolder",
       [](TempDir& d) { fs::create_directories(d.file("folder.actrec")); },
       "label --model {}/folder.actrec -o {}/out {}/good.avi",
       4,
       {"cannot load model bundle: {}/folder.actrec: a directory, not a model file"}},
      {"BundleOf64GiB",  // sparse: it takes no disk
       [](TempDir& d) { fs::resize_file(d.file("model.actrec"), uintmax_t{64} << 30); },
       std::string(kLabel) + "{}/good.avi",
       4,
       {"cannot load model bundle: {}/model.actrec: 64 GiB, more than any model file (at most 2 "
        "GiB)"}},
      {"BackboneThatIsAFifo",
       after_backbone([](const std::string& path) {
         fs::remove(path);
         ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
       }),
       kExtract,
       4,
       {"cannot load model: {}/colour.pt: a FIFO (named pipe), not a model file"}},
      {"BackboneThatIsADevice",
       after_backbone([](const std::string& path) {
         fs::remove(path);
         fs::create_symlink("/dev/zero", path);
       }),
       kExtract,
       4,
       {"cannot load model: {}/colour.pt: a character device, not a model file"}},
      {"BundleFromAnotherBackbone",
       [](TempDir& d) {
         torch::jit::Module other("Other");
         other.define("def forward(self, x: Tensor):\n    return x.float().amax([1, 2])\n");
         other.save(d.file("colour.pt"));  // the bundle's backbone path now holds another model
       },
       std::string(kLabel) + "{}/good.avi",
       4,
       {"{}/model.actrec", "other observations of the probe images"}},
      {"BackboneThatIsText",
       after_backbone([](const std::string& path) { write_text(path, "not torchscript"); }),
       kExtract,
       4,
       {"cannot load model: {}/colour.pt"}},
      {"BackboneMissing",
       after_backbone([](const std::string& path) { fs::remove(path); }),
       kExtract,
       4,
       {"cannot find model: {}/colour.pt"}},
      {"BackboneWantsNCHW",
       misfit_backbone("def forward(self, x: Tensor):\n    return torch.conv2d(x, self.w)\n"),
       kExtract,
       4,
       {"backbone does not fit its config: {}/misfit.pt: inference failed"}},
      {"BackboneReturnsANumber",
       misfit_backbone("def forward(self, x: Tensor):\n    return x.size(0)\n"),
       kExtract,
       4,
       {"{}/misfit.pt"}},
      {"TfjsShardOutsideTheModelsFolder",
       [](TempDir& d) {
         write_text(d.file("model.json"),
                    R"({"modelTopology": {"node": [{"name": "c", "op": "Const"}]}, "weightsManifest": )"
                    R"([{"paths": ["../../../../../../etc/passwd"], "weights": [{"name": "c", )"
                    R"("shape": [4], "dtype": "float32"}]}]})");
       },
       "import-tfjs {}/model.json -o {}/out/m.pt",
       4,
       {"{}/model.json", "outside the model's folder"}},
      {"TfjsShardThatIsADevice",
       [](TempDir& d) {
         fs::create_symlink("/dev/zero", d.file("zero.bin"));
         write_text(d.file("model.json"),
                    R"({"modelTopology": {"node": [{"name": "c", "op": "Const"}]}, "weightsManifest": )"
                    R"([{"paths": ["zero.bin"], "weights": [{"name": "c", "shape": [4], )"
                    R"("dtype": "float32"}]}]})");
       },
       "import-tfjs {}/model.json -o {}/out/m.pt",
       4,
       {"{}/model.json", "zero.bin"}},
      {"FineTuningFromAMissingBundle",
       [](TempDir& d) {
         write_text(d.file("good.csv"), "start,end,label\n0,10,red\n");
         write_text(d.file("m.csv"), "video,split,annotation\ngood.avi,train,good.csv\n");
       },
       "train --init {}/missing.actrec --data {}/m.csv -o {}/out",
       4,
       {"cannot find model: {}/missing.actrec: looked at {}/missing.actrec"}},
      {"TfjsModelJsonCorrupt",
       [](TempDir& d) { write_text(d.file("model.json"), "{\"modelTopology\": {\"node\": [ "); },
       "import-tfjs {}/model.json -o {}/out/m.pt",
       4,
       {"{}/model.json"}},
  };
}

class BadInputs : public ::testing::TestWithParam<BadInput> {
 protected:
  void SetUp() override {
    write_colour_backbone(dir_.file("colour.pt"));
    write_bundle(dir_.file("model.actrec"), colour_features(dir_.file("colour.pt")),
                 config::Cell::lstm);
    write_index_video(dir_.file("good.avi"), 10, 25.0);
  }
  TempDir dir_;
};

TEST_P(BadInputs, ClearMessageDocumentedExitCodeNothingHalfWritten) {
  const BadInput& input = GetParam();
  input.make(dir_);
  const std::string dir = dir_.path();
  const auto started = std::chrono::steady_clock::now();
  const auto result = run_actrec(in_dir(input.args, shell_quote(dir)), kLimitSeconds);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << input.name << ": exit " << result.exit_code << " after " << seconds << " s\n"
            << result.err;

  ASSERT_NE(result.exit_code, 137) << "still running after " << kLimitSeconds << " s";
  EXPECT_EQ(result.exit_code, input.exit_code) << result.err;
  for (const auto& part : input.says) {
    EXPECT_NE(result.err.find(in_dir(part, dir)), std::string::npos)
        << "expected \"" << in_dir(part, dir) << "\" in:\n"
        << result.err;
  }
  for (const char* crash : {"terminate called", "Segmentation", "Aborted", "c10::Error"}) {
    EXPECT_EQ(result.err.find(crash), std::string::npos) << result.err;
  }
  auto written = files_under(dir_.file("out"));
  auto expected = input.outputs;
  std::sort(written.begin(), written.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(written, expected);
}

INSTANTIATE_TEST_SUITE_P(Cases, BadInputs, ::testing::ValuesIn(cases()),
                         [](const auto& test) { return test.param.name; });

TEST_F(BadInputs, AFifoFoundInTheModelsFolderIsRefusedNotWaitedFor) {
  // The bundle named relatively is found in $ACTREC_MODELS, as the shipped one is.
  std::filesystem::create_directories(dir_.file("models"));
  ASSERT_EQ(::mkfifo(dir_.file("models/mine.actrec").c_str(), 0600), 0);
  ::setenv("ACTREC_MODELS", dir_.file("models").c_str(), 1);
  const auto result = run_actrec("label --model mine.actrec " + shell_quote(dir_.file("good.avi")) +
                                     " -o " + shell_quote(dir_.file("out")),
                                 kLimitSeconds);
  ::unsetenv("ACTREC_MODELS");
  EXPECT_EQ(result.exit_code, 4) << result.err;
  EXPECT_TRUE(contains(result.err,
                       dir_.file("models/mine.actrec") + ": a FIFO (named pipe), not a model file"))
      << result.err;
}

}  // namespace
}  // namespace actrec::test
