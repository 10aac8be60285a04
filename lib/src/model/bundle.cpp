#include "actrec/model/bundle.hpp"

#include <zlib.h>

#include <sstream>

#include "actrec/core/atomic_file.hpp"
#include "actrec/core/error.hpp"
#include "actrec/core/model_file.hpp"
#include "actrec/core/sha256.hpp"

namespace actrec::model {

RecurrentLabeler make_labeler(const BundleInfo& info) {
  RecurrentLabelerOptions options(info.feature_dim, static_cast<int64_t>(info.labels.size()));
  options.cell(info.model.cell)
      .hidden_size(info.model.hidden)
      .num_layers(info.model.layers)
      .dropout(info.model.dropout)
      .projection(info.model.projection);
  return RecurrentLabeler(options);
}

namespace {

// SHA-256 of every parameter and buffer: its name, shape and bytes, in the model's order.
std::string weights_digest(RecurrentLabeler& model) {
  Sha256 hash;
  auto add = [&hash](const std::string& name, const torch::Tensor& tensor) {
    const torch::Tensor values = tensor.detach().cpu().contiguous();
    std::string shape = name + "[";
    for (const int64_t size : values.sizes()) shape += std::to_string(size) + ",";
    hash.update(shape + "]")
        .update(std::string_view(static_cast<const char*>(values.data_ptr()), values.nbytes()));
  };
  for (const auto& item : model->named_parameters()) add(item.key(), item.value());
  for (const auto& item : model->named_buffers()) add(item.key(), item.value());
  return hash.hex();
}

}  // namespace

void save_bundle(const std::string& path, const BundleInfo& info, RecurrentLabeler& model,
                 torch::optim::Optimizer* optimizer, const std::string& train_state) {
  BundleInfo stamped = info;
  stamped.weights_sha256 = weights_digest(model);
  torch::serialize::OutputArchive archive;
  archive.write("info", c10::IValue(bundle_info_to_json(stamped)));
  torch::serialize::OutputArchive weights;
  model->save(weights);
  archive.write("model", weights);
  if (optimizer) {
    torch::serialize::OutputArchive state;
    optimizer->save(state);
    archive.write("optimizer", state);
    archive.write("train_state", c10::IValue(train_state));
  }
  std::ostringstream bytes;
  archive.save_to(bytes);
  write_text_atomically(path, bytes.str());
}

namespace {

uint32_t le32(const std::string& bytes, size_t at) {
  return static_cast<uint32_t>(static_cast<uint8_t>(bytes[at])) |
         static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 2])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 3])) << 24;
}
uint16_t le16(const std::string& bytes, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(bytes[at]) |
                               static_cast<uint8_t>(bytes[at + 1]) << 8);
}

// A bundle is a zip archive (LibTorch's format) whose entries carry CRC-32 checksums that
// LibTorch's reader does not check: a bundle with flipped bytes would load and label with
// NaN. Every stored entry's checksum is checked here first.
void verify_checksums(const std::string& bytes, const std::string& path) {
  auto corrupt = [&](const std::string& reason) {
    throw ModelError("cannot load model bundle: " + path + ": corrupt: " + reason);
  };
  // The end-of-central-directory record, within the last 64 KiB + 22 bytes.
  constexpr size_t kEnd = 22;
  if (bytes.size() < kEnd) corrupt("too short to be a bundle");
  size_t end = std::string::npos;
  for (size_t at = bytes.size() - kEnd + 1; at-- > 0 && bytes.size() - at <= kEnd + 65535;) {
    if (le32(bytes, at) == 0x06054b50) {
      end = at;
      break;
    }
  }
  if (end == std::string::npos) corrupt("no zip directory at its end");
  const size_t entries = le16(bytes, end + 10);
  size_t at = le32(bytes, end + 16);
  if (le32(bytes, end + 16) == 0xffffffffu) return;  // zip64: not what bundles are
  for (size_t i = 0; i < entries; ++i) {
    if (at + 46 > bytes.size() || le32(bytes, at) != 0x02014b50) corrupt("damaged zip directory");
    const uint16_t method = le16(bytes, at + 10);
    const uint32_t crc = le32(bytes, at + 16);
    const uint32_t size = le32(bytes, at + 20);
    const size_t name_length = le16(bytes, at + 28);
    const size_t extra_length = le16(bytes, at + 30), comment_length = le16(bytes, at + 32);
    const size_t local = le32(bytes, at + 42);
    if (at + 46 + name_length > bytes.size()) corrupt("damaged zip directory");
    const std::string name = bytes.substr(at + 46, name_length);
    at += 46 + name_length + extra_length + comment_length;
    if (method != 0 || size == 0xffffffffu) continue;  // LibTorch stores entries uncompressed
    if (local + 30 > bytes.size() || le32(bytes, local) != 0x04034b50) corrupt("damaged entry " + name);
    const size_t data = local + 30 + le16(bytes, local + 26) + le16(bytes, local + 28);
    if (data + size > bytes.size()) corrupt("entry " + name + " is cut short");
    const auto actual = static_cast<uint32_t>(
        ::crc32(0, reinterpret_cast<const Bytef*>(bytes.data() + data), static_cast<uInt>(size)));
    if (actual != crc) corrupt("entry " + name + " fails its checksum (the file was changed or damaged)");
  }
}

torch::serialize::InputArchive open_archive(const std::string& path) {
  const std::string bytes = read_model_file(path, "cannot load model bundle");
  verify_checksums(bytes, path);
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(bytes.data(), bytes.size());  // read whole: `bytes` need not outlive it
  } catch (const c10::Error& e) {
    throw ModelError("cannot load model bundle: " + path + ": not an actrec bundle (" +
                     e.msg().substr(0, 160) + ")");
  }
  return archive;
}
}  // namespace

Bundle load_bundle(const std::string& path) {
  torch::serialize::InputArchive archive = open_archive(path);
  Bundle bundle;
  try {
    c10::IValue info;
    if (!archive.try_read("info", info) || !info.isString()) {
      throw ModelError("cannot load model bundle: " + path + ": no actrec metadata in it");
    }
    bundle.info = bundle_info_from_json(info.toStringRef(), path);
    bundle.model = make_labeler(bundle.info);
    torch::serialize::InputArchive weights;
    archive.read("model", weights);
    bundle.model->load(weights);
  } catch (const c10::Error& e) {
    throw ModelError("cannot load model bundle: " + path + ": weights do not fit its metadata (" +
                     e.msg().substr(0, 160) + ")");
  }
  // The zip's checksums pass whenever the file was zipped again after an edit: this does not.
  if (!bundle.info.weights_sha256.empty() &&
      weights_digest(bundle.model) != bundle.info.weights_sha256) {
    throw ModelError("cannot load model bundle: " + path +
                     ": weights do not match their digest: the file was changed after it was "
                     "saved");
  }
  std::vector<torch::Tensor> tensors = bundle.model->parameters();
  for (const auto& buffer : bundle.model->buffers()) tensors.push_back(buffer);
  for (const auto& tensor : tensors) {
    if (!torch::isfinite(tensor).all().item<bool>()) {
      throw ModelError("cannot load model bundle: " + path + ": its weights hold NaN or infinite "
                       "values (a failed training run, or a damaged file)");
    }
  }
  bundle.model->eval();
  return bundle;
}

bool load_training_state(const std::string& path, torch::optim::Optimizer& optimizer,
                         std::string& train_state) {
  torch::serialize::InputArchive archive = open_archive(path);
  torch::serialize::InputArchive state;
  if (!archive.try_read("optimizer", state)) return false;
  optimizer.load(state);
  c10::IValue text;
  archive.read("train_state", text);
  train_state = text.toStringRef();
  return true;
}

}  // namespace actrec::model
