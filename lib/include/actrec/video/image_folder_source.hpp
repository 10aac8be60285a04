#pragma once
#include <vector>

#include "actrec/video/frame_source.hpp"

namespace actrec::video {

/// The images of one folder in natural order ("2.png" before "10.png"), spaced at a set rate.
class ImageFolderSource : public FrameSource {
 public:
  /// Throws InputError when the folder is missing or holds no image files.
  ImageFolderSource(const std::string& folder, double fps);

  /// Throws InputError naming the file when an image cannot be decoded.
  std::optional<Frame> read() override;
  double fps() const override { return fps_; }
  int64_t frame_count() const override { return static_cast<int64_t>(files_.size()); }
  cv::Size frame_size() const override { return size_; }
  std::string describe() const override;

  const std::vector<std::string>& files() const { return files_; }

 private:
  std::string folder_;
  double fps_;
  std::vector<std::string> files_;
  size_t next_ = 0;
  cv::Size size_;
};

}  // namespace actrec::video
