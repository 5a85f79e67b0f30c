#include "rules/rates.h"

#include <vector>

#include "base/assert.h"

namespace qz {

Result ConversionRates::set(uint32_t asset, int64_t tiyn_per_unit, int64_t* previous) {
  QZ_ASSERT(previous != nullptr);
  if (tiyn_per_unit <= 0) return Result::conversion_rate_invalid;
  *previous = rate(asset);
  rates_[asset] = tiyn_per_unit;
  QZ_ASSERT(rate(asset) == tiyn_per_unit);
  return Result::ok;
}

int64_t ConversionRates::rate(uint32_t asset) const {
  const auto found = rates_.find(asset);
  return found == rates_.end() ? 0 : found->second;
}

void ConversionRates::hash_into(Sha256* hasher) const {
  std::vector<uint8_t> bytes;
  ByteWriter out(&bytes);
  write_snapshot(&out);
  hasher->update(bytes.data(), bytes.size());
}

void ConversionRates::write_snapshot(ByteWriter* out) const {
  QZ_ASSERT(rates_.size() < UINT32_MAX);
  out->u32(static_cast<uint32_t>(rates_.size()));
  for (const auto& [asset, rate] : rates_) {
    out->u32(asset);
    out->i64(rate);
  }
}

bool ConversionRates::read_snapshot(ByteReader* in) {
  QZ_ASSERT(rates_.empty());
  const uint32_t count = in->u32();
  if (!in->ok() || count > in->remaining() / 12) return false;
  for (uint32_t i = 0; i < count; i++) {
    const uint32_t asset = in->u32();
    const auto rate = static_cast<int64_t>(in->u64());
    if (!in->ok() || rate <= 0 || (!rates_.empty() && asset <= rates_.rbegin()->first)) return false;
    rates_[asset] = rate;
  }
  return true;
}

std::string ConversionRates::check_invariants() const {
  for (const auto& [asset, rate] : rates_) {
    if (rate <= 0) return "rates: asset " + std::to_string(asset) + " has a rate of 0 or below";
  }
  return {};
}

}  // namespace qz
