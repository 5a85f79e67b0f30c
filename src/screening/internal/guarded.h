// The screening module's public functions return a Status and never let an exception out (docs/screening.md):
// guarded() runs their body and turns an escaping exception (allocation failure, in practice) into a Status.
#pragma once

#include <exception>
#include <string>

#include "base/status.h"

namespace qz::screening::internal {

template <typename Body>
Status guarded(Body&& body) {
  try {
    return body();
  } catch (const std::exception& error) {
    return Status::error(std::string("screening: ") + error.what());
  } catch (...) {
    return Status::error("screening: unexpected exception");
  }
}

}  // namespace qz::screening::internal
