#include "actrec/model/bundle.hpp"

#include <sstream>

#include "actrec/core/atomic_file.hpp"
#include "actrec/core/error.hpp"

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

void save_bundle(const std::string& path, const BundleInfo& info, RecurrentLabeler& model,
                 torch::optim::Optimizer* optimizer, const std::string& train_state) {
  torch::serialize::OutputArchive archive;
  archive.write("info", c10::IValue(bundle_info_to_json(info)));
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
torch::serialize::InputArchive open_archive(const std::string& path) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
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
