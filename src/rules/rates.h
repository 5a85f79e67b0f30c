// Conversion rates recorded in the journal: what one whole unit of an asset, or one US dollar, is worth in tenge
// minor units (tiyn). Limits in tenge equivalent and the AIFC retail cap in dollars (docs/clients.md) value
// amounts with them. The engine never reads prices on its own: the operator sets a rate by command, so every
// rate the limits used is in the blocks and in the state hash.
//
// Deterministic: an ordered map by asset id (the dollar is asset 0). Single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "base/sha256.h"

namespace qz {

inline constexpr uint32_t kUsdRateAsset = 0;  // the asset id under which the dollar's rate is kept

class ConversionRates {
 public:
  // conversion_rate_invalid (0 or below). *previous: the rate before (0 = none). The caller checks that the
  // asset exists.
  [[nodiscard]] Result set(uint32_t asset, int64_t tiyn_per_unit, int64_t* previous);
  // Tiyn per whole unit of the asset (per dollar for kUsdRateAsset); 0 when no rate was set.
  int64_t rate(uint32_t asset) const;
  size_t size() const { return rates_.size(); }
  const std::map<uint32_t, int64_t>& all() const { return rates_; }  // asset -> tiyn per unit, in asset order

  void hash_into(Sha256* hasher) const;
  std::string check_invariants() const;
  // Format: count u32 | per rate in asset order: asset u32 | tiyn_per_unit i64.
  void write_snapshot(ByteWriter* out) const;
  // Into an empty table; false on malformed input (assets not strictly increasing, a rate of 0 or below).
  [[nodiscard]] bool read_snapshot(ByteReader* in);

 private:
  std::map<uint32_t, int64_t> rates_;
};

}  // namespace qz
