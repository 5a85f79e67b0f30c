// A client as `qazna client show` and `list` print it: the current record, the core's status, versions,
// screenings with their hits and explanations, holds and the action log (docs/kyc.md).
#pragma once

#include <string>
#include <vector>

#include "kyc/flow.h"
#include "kyc/store.h"

namespace qz::kyc {

struct ClientView {
  RecordVersion current;
  std::vector<RecordVersion> versions;
  std::vector<Screening> screenings;
  std::vector<Hold> holds;
  std::vector<Action> actions;
  CoreClient core;
};

[[nodiscard]] Status load_client_view(ClientStore* store, Core* core, uint64_t client, bool* found, ClientView* out);

// The hold state a client is in: "open" (held), "confirmed", "cleared" or "none".
std::string hold_summary(const ClientView& view);

std::string client_view_json(const ClientView& view);  // one line
std::string client_view_text(const ClientView& view);
std::string client_summary_json(const ClientView& view);  // one line per client in `list`
std::string client_summary_text(const ClientView& view);

}  // namespace qz::kyc
