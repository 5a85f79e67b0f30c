// The core of kyc/flow.h through a journal Node: clients read under the engine's lock, commands submitted as
// one durable block.
#pragma once

#include "journal/journal.h"
#include "kyc/flow.h"

namespace qz::kyc {

class NodeCore : public Core {
 public:
  explicit NodeCore(Node* node) : node_(node) {}
  CoreClient client(uint64_t id) override;
  [[nodiscard]] Status submit(std::span<const Command> commands, std::vector<Result>* results,
                              uint64_t* height) override;

 private:
  Node* node_;
};

}  // namespace qz::kyc
