// Roles of DESIGN.md section 8, carried in every command. The gateway checks them per route; the core checks
// them again for every command that creates or moves money.
#pragma once

#include <cstdint>

namespace qz {

enum class Role : uint8_t {
  none = 0,
  operator_ = 1,
  customer = 2,
  merchant = 3,
  compliance = 4,
  regulator = 5,
  central_bank = 6,
  bank = 7,
};
inline constexpr uint8_t kMaxRole = 7;

const char* role_name(Role role);  // "operator"; "unknown" otherwise

}  // namespace qz
