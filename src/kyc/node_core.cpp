#include "kyc/node_core.h"

#include "base/assert.h"

namespace qz::kyc {

CoreClient NodeCore::client(uint64_t id) {
  CoreClient out;
  node_->with_engine([&](const Engine& engine) {
    const Client* client = engine.clients().find(id);
    if (client == nullptr) return;
    out.registered = true;
    out.facts = client->facts;
    out.status = client->status;
    out.reason = client->reason;
  });
  return out;
}

Status NodeCore::submit(std::span<const Command> commands, std::vector<Result>* results, uint64_t* height) {
  results->assign(commands.size(), Result::ok);
  SubmitResult submitted;
  QZ_TRY(node_->submit(commands, &submitted));
  *height = submitted.height;
  // Each client command yields one event first: rejected (with its code), or what it did (the flow sends no request ids, so never a duplicate); the orders a status
  // change cancels follow it with the same command index.
  std::vector<bool> seen(commands.size(), false);
  for (const Event& event : submitted.events) {
    if (event.command_index == kNoCommand) continue;
    QZ_ASSERT(event.command_index >= submitted.first_command_index);
    const size_t index = event.command_index - submitted.first_command_index;
    QZ_ASSERT(index < commands.size());
    if (seen[index]) continue;
    seen[index] = true;
    if (event.event_kind() == EventKind::rejected) (*results)[index] = static_cast<Result>(event.result);
  }
  return Status::ok();
}

}  // namespace qz::kyc
