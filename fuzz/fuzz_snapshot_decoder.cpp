// libFuzzer target: Engine::load_snapshot (engine/engine.h) on arbitrary bytes.
//
// Input: a snapshot without its trailing 32-byte SHA-256 digest; the harness appends the digest, so the fuzzer
// gets past the integrity check and into the structural ones (magic, version, counts, ids, invariants).
// Checks: loading never crashes or trips an assertion; a snapshot that loads satisfies check_invariants() and
// writes back exactly the bytes it was loaded from (an older version still read: a snapshot of the current one
// that loads again to the same state hash).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/assert.h"
#include "base/bytes.h"
#include "base/sha256.h"
#include "engine/engine.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  const qz::Hash256 digest = qz::sha256(data, size);
  bytes.insert(bytes.end(), digest.bytes.begin(), digest.bytes.end());

  qz::Engine engine;
  const qz::Status status = engine.load_snapshot(bytes);
  if (!status.is_ok()) {
    QZ_ASSERT(!status.message().empty());
    return 0;
  }
  const std::string problem = engine.check_invariants();
  QZ_ASSERT_MSG(problem.empty(), problem.c_str());
  std::vector<uint8_t> rewritten;
  engine.write_snapshot(&rewritten);
  if (qz::get_u32(bytes.data() + 8) == qz::kSnapshotFormatVersion) {
    QZ_ASSERT(rewritten == bytes);
  } else {
    qz::Engine again;
    QZ_ASSERT(again.load_snapshot(rewritten).is_ok());
    QZ_ASSERT(again.state_hash() == engine.state_hash());
  }
  return 0;
}
