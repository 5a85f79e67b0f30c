#include "base/role.h"

namespace qz {

const char* role_name(Role role) {
  switch (role) {
    case Role::none: return "none";
    case Role::operator_: return "operator";
    case Role::customer: return "customer";
    case Role::merchant: return "merchant";
    case Role::compliance: return "compliance";
    case Role::regulator: return "regulator";
    case Role::central_bank: return "central_bank";
    case Role::bank: return "bank";
  }
  return "unknown";
}

}  // namespace qz
