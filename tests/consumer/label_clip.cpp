// label_clip CLIP FRAMES_CSV single|multi: labels CLIP through the embedding API (the installed
// default model) and checks every frame against FRAMES_CSV, what `actrec label --persons MODE`
// wrote for the same clip. Exit 0 when they agree, 1 when they differ, the error's code when
// actrec throws.
#include <actrec/actrec.hpp>
#include <cmath>
#include <fstream>
#include <iostream>
#include <opencv2/videoio.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

// One person in one frame, as the CSV holds it.
struct Row {
  int64_t frame = 0;
  int person = 0;
  cv::Rect2f box;
  std::string label;
  double confidence = 0;
  float visible = 0;
  bool at_edge = false;
};

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  for (std::string field; std::getline(in, field, ',');) fields.push_back(field);
  return fields;
}

std::vector<Row> read_csv(const std::string& path, bool multi) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::string line;
  // frame,time_s,[person,x,y,w,h,]label,confidence,visible,edge,<one per class>
  std::getline(in, line);
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    const auto f = split(line);
    Row row;
    row.frame = std::stoll(f.at(0));
    size_t next = 2;
    if (multi) {
      row.person = std::stoi(f.at(2));
      row.box = {std::stof(f.at(3)), std::stof(f.at(4)), std::stof(f.at(5)), std::stof(f.at(6))};
      next = 7;
    }
    row.label = f.at(next);
    row.confidence = std::stod(f.at(next + 1));
    row.visible = std::stof(f.at(next + 2));
    row.at_edge = f.at(next + 3) == "1";
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: label_clip CLIP FRAMES_CSV single|multi\n";
    return 2;
  }
  const std::string clip = argv[1], csv = argv[2];
  const bool multi = std::string(argv[3]) == "multi";
  std::vector<Row> got;
  try {
    // The shipped default model, found through the install prefix (no path, no --model).
    const actrec::Labeler labeler = actrec::Labeler::open();
    std::cout << "model " << labeler.bundle_path() << ", backbone " << labeler.backbone_path()
              << "\n";

    cv::VideoCapture capture(clip, cv::CAP_FFMPEG);
    if (!capture.isOpened()) throw std::runtime_error("cannot open " + clip);
    actrec::StreamOptions options;
    options.fps = capture.get(cv::CAP_PROP_FPS);  // as `actrec label` takes it from the file
    options.persons = multi ? actrec::Persons::multi : actrec::Persons::single;
    // Each frame's people as their labels become final (a fixed delay after the frame).
    options.on_result = [&](const actrec::FrameResult& frame) {
      for (const auto& person : frame.people) {
        got.push_back({frame.frame, person.id, person.box, person.label_name, person.confidence,
                       person.visible, person.at_edge});
      }
    };
    actrec::Stream stream = labeler.stream(options);
    for (cv::Mat frame; capture.read(frame);) {
      stream.push(frame, capture.get(cv::CAP_PROP_POS_MSEC) / 1000.0);
    }
    stream.finish();
    std::cout << stream.frames() << " frames labelled\n";
  } catch (const actrec::Error& error) {
    std::cerr << "error: " << error.what() << "\n";
    return static_cast<int>(error.exit_code());
  }

  const std::vector<Row> expected = read_csv(csv, multi);
  int differences = 0;
  auto differ = [&](size_t i, const std::string& what) {
    if (++differences <= 10)
      std::cerr << "row " << i << " (frame " << expected[i].frame << "): " << what << "\n";
  };
  if (got.size() != expected.size()) {
    std::cerr << got.size() << " rows through the API, " << expected.size() << " in " << csv
              << "\n";
    ++differences;
  }
  for (size_t i = 0; i < std::min(got.size(), expected.size()); ++i) {
    const Row &a = got[i], &b = expected[i];
    if (a.frame != b.frame || a.person != b.person) {
      differ(i, "frame " + std::to_string(a.frame) + " person " + std::to_string(a.person) +
                    " through the API");
    } else if (a.label != b.label) {
      differ(i, a.label + " through the API, " + b.label + " by actrec label");
    } else if (std::abs(a.confidence - b.confidence) > 2e-4) {  // the CSV has 4 decimals
      differ(i, "confidence " + std::to_string(a.confidence) + " against " +
                    std::to_string(b.confidence));
    } else if (multi && (std::abs(a.box.x - b.box.x) > 0.1f || std::abs(a.box.y - b.box.y) > 0.1f ||
                         std::abs(a.box.width - b.box.width) > 0.1f ||
                         std::abs(a.box.height - b.box.height) > 0.1f)) {
      differ(i, "another box");  // the CSV has 1 decimal
    } else if (std::abs(a.visible - b.visible) > 0.006f || a.at_edge != b.at_edge) {
      differ(i, "another visibility");  // the CSV has 2 decimals
    }
  }
  if (differences > 0) {
    std::cerr << differences << " differences between the API and actrec label\n";
    return 1;
  }
  std::cout << got.size() << " labels (" << argv[3] << "), each as actrec label wrote it\n";
  return 0;
}
