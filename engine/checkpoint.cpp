// Checkpoint layout on top of the safetensors reader and writer.
#include "engine/checkpoint.hpp"

#include <zlib.h>

#include "engine/io/safetensors.hpp"

namespace vkgan {
namespace {

const char* kMomentPrefix[] = {"", "adam_m/", "adam_v/"};

std::string join_counters(const std::vector<uint32_t>& c) {
  std::string s;
  for (uint32_t v : c) s += (s.empty() ? "" : ",") + std::to_string(v);
  return s;
}

std::vector<uint32_t> split_counters(const std::string& s, const std::string& file) {
  std::vector<uint32_t> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find(',', pos);
    std::string item = s.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    try {
      out.push_back(uint32_t(std::stoul(item)));
    } catch (const std::exception&) {
      fail("{}: metadata vkgan.counters holds '{}', not a list of integers", file, s);
    }
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  if (out.size() > kMaxCounters)
    fail("{}: {} counters, at most {}", file, out.size(), kMaxCounters);
  return out;
}

// A checksum of the vkgan metadata (the data section has its own), so a
// changed step, seed or counter is caught like a changed weight.
std::string metadata_crc(const std::map<std::string, std::string>& meta) {
  uLong crc = crc32(0L, Z_NULL, 0);
  for (const auto& [k, v] : meta) {
    if (k.rfind("vkgan.", 0) != 0 || k == "vkgan.crc32" || k == "vkgan.meta_crc32") continue;
    std::string line = k + "=" + v + "\n";
    crc = crc32(crc, reinterpret_cast<const Bytef*>(line.data()), uInt(line.size()));
  }
  return fmt::format("{:08x}", crc);
}

}  // namespace

void save_checkpoint(const std::filesystem::path& file, Workspace& ws, const CheckpointInfo& info) {
  std::vector<NamedTensor> tensors;
  for (const auto& [net, store] : ws.stores())
    for (int which = 0; which < 3; ++which) {
      std::vector<float> flat = ws.read_flat(net, which);
      for (const ParamEntry& e : store.params) {
        auto first = flat.begin() + int64_t(e.offset);
        tensors.push_back(
            {kMomentPrefix[which] + e.name, e.shape, {first, first + e.shape.elements()}});
      }
    }
  std::map<std::string, std::string> meta = info.metadata;
  meta["vkgan.format"] = "1";
  meta["vkgan.model"] = info.model;
  meta["vkgan.step"] = std::to_string(info.step);
  meta["vkgan.seed"] = std::to_string(info.seed);
  meta["vkgan.counters"] = join_counters(info.counters);
  meta["vkgan.meta_crc32"] = metadata_crc(meta);
  save_safetensors(file, tensors, meta);
}

CheckpointInfo decode_checkpoint(std::string_view bytes, const std::string& label,
                                 const std::string& expect_model,
                                 std::vector<NamedTensor>* tensors) {
  std::map<std::string, std::string> meta;
  *tensors = decode_safetensors(bytes, label, &meta);
  auto need = [&](const char* key) {
    auto it = meta.find(key);
    if (it == meta.end()) fail("{}: not a vkgan checkpoint (no metadata {})", label, key);
    return it->second;
  };
  if (need("vkgan.format") != "1")
    fail("{}: checkpoint format {}, this vkgan reads format 1", label, meta.at("vkgan.format"));
  if (need("vkgan.meta_crc32") != metadata_crc(meta))
    fail("{}: metadata checksum mismatch: stored {}, computed {}; the file is corrupt", label,
         meta.at("vkgan.meta_crc32"), metadata_crc(meta));
  if (!meta.count("vkgan.crc32")) fail("{}: no data checksum (vkgan.crc32)", label);
  CheckpointInfo info;
  info.model = need("vkgan.model");
  if (info.model != expect_model)
    fail("{}: checkpoint of model {}, expected {}", label, info.model, expect_model);
  try {
    info.step = std::stoll(need("vkgan.step"));
    info.seed = std::stoull(need("vkgan.seed"));
  } catch (const std::invalid_argument&) {
    fail("{}: metadata vkgan.step or vkgan.seed is not a number", label);
  } catch (const std::out_of_range&) {
    fail("{}: metadata vkgan.step or vkgan.seed is out of range", label);
  }
  info.counters = split_counters(need("vkgan.counters"), label);
  info.metadata = meta;
  return info;
}

CheckpointInfo load_checkpoint(const std::filesystem::path& file, Workspace& ws,
                               const std::string& expect_model) {
  std::string label = file.string();
  std::vector<NamedTensor> tensors;
  CheckpointInfo info = decode_checkpoint(read_file_bytes(file), label, expect_model, &tensors);

  std::map<std::string, const NamedTensor*> by_name;
  for (const NamedTensor& t : tensors) by_name[t.name] = &t;
  for (const auto& [net, store] : ws.stores())
    for (int which = 0; which < 3; ++which) {
      std::vector<float> flat(store.floats, 0.0f);
      for (const ParamEntry& e : store.params) {
        std::string name = kMomentPrefix[which] + e.name;
        auto it = by_name.find(name);
        if (it == by_name.end()) fail("{}: tensor '{}' is missing", label, name);
        if (it->second->shape != e.shape)
          fail("{}: tensor '{}' has shape {}, the model needs {}", label, name, it->second->shape,
               e.shape);
        std::copy(it->second->data.begin(), it->second->data.end(),
                  flat.begin() + int64_t(e.offset));
      }
      ws.write_flat(net, which, flat);
    }
  std::vector<uint32_t> counters = info.counters;
  counters.resize(kMaxCounters, 0);
  ws.write_counters(counters);
  return info;
}

}  // namespace vkgan
