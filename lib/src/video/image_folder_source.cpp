#include "actrec/video/image_folder_source.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>

#include "actrec/core/error.hpp"
#include "actrec/core/natural_sort.hpp"

namespace actrec::video {
namespace fs = std::filesystem;

namespace {
bool is_image_name(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  static const char* const kExtensions[] = {".png",  ".jpg",  ".jpeg", ".bmp", ".tif",
                                            ".tiff", ".webp", ".pgm",  ".ppm", ".pnm"};
  return std::find(std::begin(kExtensions), std::end(kExtensions), ext) != std::end(kExtensions);
}

cv::Mat read_image(const std::string& path) {
  cv::Mat image;
  try {
    image = cv::imread(path, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    throw InputError("cannot read image: " + path + ": " + e.err);
  }
  if (image.empty()) throw InputError("cannot read image: " + path + ": not a decodable image");
  return image;
}
}  // namespace

ImageFolderSource::ImageFolderSource(const std::string& folder, double fps)
    : folder_(folder), fps_(fps) {
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    throw InputError("cannot open image folder: " + folder + ": no such directory");
  }
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    if (entry.is_regular_file() && is_image_name(entry.path())) {
      files_.push_back(entry.path().string());
    }
  }
  if (error) throw InputError("cannot list image folder: " + folder + ": " + error.message());
  if (files_.empty()) {
    throw InputError("cannot open image folder: " + folder + ": no image files in it");
  }
  std::sort(files_.begin(), files_.end(),
            [](const std::string& a, const std::string& b) { return natural_less(a, b); });
  size_ = read_image(files_.front()).size();
}

std::optional<Frame> ImageFolderSource::read() {
  if (next_ >= files_.size()) return std::nullopt;
  const auto index = static_cast<int64_t>(next_);
  Frame frame;
  frame.image = read_image(files_[next_]);
  frame.index = index;
  frame.timestamp_us = std::llround(static_cast<double>(index) * 1e6 / fps_);
  ++next_;
  return frame;
}

std::string ImageFolderSource::describe() const {
  return fmt::format("image folder {} ({} images, {}x{} @ {:.3g} fps)", folder_, files_.size(),
                     size_.width, size_.height, fps_);
}

}  // namespace actrec::video
