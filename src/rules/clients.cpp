#include "rules/clients.h"

#include <algorithm>

#include "base/assert.h"

namespace qz {

const char* client_class_name(ClientClass value) {
  switch (value) {
    case ClientClass::retail: return "retail";
    case ClientClass::professional: return "professional";
  }
  return "unknown";
}

const char* client_status_name(ClientStatus value) {
  switch (value) {
    case ClientStatus::pending: return "pending";
    case ClientStatus::active: return "active";
    case ClientStatus::frozen: return "frozen";
    case ClientStatus::offboarded: return "offboarded";
  }
  return "unknown";
}

const char* client_status_reason_name(ClientStatusReason value) {
  switch (value) {
    case ClientStatusReason::none: return "none";
    case ClientStatusReason::registered: return "registered";
    case ClientStatusReason::kyc_approved: return "kyc_approved";
    case ClientStatusReason::compliance_review: return "compliance_review";
    case ClientStatusReason::sanctions_match: return "sanctions_match";
    case ClientStatusReason::court_order: return "court_order";
    case ClientStatusReason::review_cleared: return "review_cleared";
    case ClientStatusReason::client_request: return "client_request";
    case ClientStatusReason::kyc_refused: return "kyc_refused";
    case ClientStatusReason::dormant: return "dormant";
  }
  return "unknown";
}

bool country_code_valid(const char code[2]) {
  return code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' && code[1] <= 'Z';
}

namespace {

bool status_known(uint8_t status) { return status >= 1 && status <= 4; }

// Which reasons may come with which status: a freeze says why it froze, an unfreeze why it was lifted, and so
// on, so that a report can count them.
bool reason_fits(ClientStatus status, ClientStatusReason reason) {
  switch (status) {
    case ClientStatus::pending: return reason == ClientStatusReason::registered;
    case ClientStatus::active:
      return reason == ClientStatusReason::kyc_approved || reason == ClientStatusReason::review_cleared;
    case ClientStatus::frozen:
      return reason == ClientStatusReason::compliance_review || reason == ClientStatusReason::sanctions_match ||
             reason == ClientStatusReason::court_order;
    case ClientStatus::offboarded:
      return reason == ClientStatusReason::client_request || reason == ClientStatusReason::kyc_refused ||
             reason == ClientStatusReason::sanctions_match || reason == ClientStatusReason::court_order ||
             reason == ClientStatusReason::dormant;
  }
  return false;
}

}  // namespace

bool ClientRegistry::facts_valid(const ClientFacts& facts) {
  const auto classification = static_cast<uint8_t>(facts.classification);
  return classification >= 1 && classification <= 2 && facts.kyc_tier <= kMaxKycTier &&
         country_code_valid(facts.residence) && country_code_valid(facts.nationality);
}

const Client* ClientRegistry::find(uint64_t client_id) const {
  if (client_id == 0) return nullptr;
  const uint32_t* position = index_.find(client_id);
  return position == nullptr ? nullptr : &clients_[*position];
}

Result ClientRegistry::register_client(uint64_t client_id, const ClientFacts& facts) {
  if (client_id == 0) return Result::client_id_invalid;
  if (!facts_valid(facts)) return Result::client_facts_invalid;
  if (find(client_id) != nullptr) return Result::client_exists;
  QZ_ASSERT(clients_.size() < UINT32_MAX);
  clients_.push_back(Client{.id = client_id, .facts = facts, .status = ClientStatus::pending,
                            .reason = ClientStatusReason::registered});
  QZ_ASSERT(index_.insert(client_id, static_cast<uint32_t>(clients_.size() - 1)));
  QZ_ASSERT(find(client_id) == &clients_.back());
  return Result::ok;
}

Result ClientRegistry::update_facts(uint64_t client_id, const ClientFacts& facts) {
  if (client_id == 0) return Result::client_id_invalid;
  if (!facts_valid(facts)) return Result::client_facts_invalid;
  const uint32_t* position = index_.find(client_id);
  if (position == nullptr) return Result::client_not_found;
  Client& client = clients_[*position];
  if (client.status == ClientStatus::offboarded) return Result::client_offboarded;
  client.facts = facts;
  return Result::ok;
}

Result ClientRegistry::set_status(uint64_t client_id, ClientStatus status, ClientStatusReason reason,
                                  ClientStatus* previous) {
  QZ_ASSERT(previous != nullptr);
  if (client_id == 0) return Result::client_id_invalid;
  if (!status_known(static_cast<uint8_t>(status)) || static_cast<uint16_t>(reason) > kMaxClientStatusReason ||
      status == ClientStatus::pending || !reason_fits(status, reason)) {
    return Result::client_status_invalid;
  }
  const uint32_t* position = index_.find(client_id);
  if (position == nullptr) return Result::client_not_found;
  Client& client = clients_[*position];
  if (client.status == ClientStatus::offboarded) return Result::client_offboarded;
  // The same status with another reason is a change (a freeze for review escalated to a confirmed match).
  if (client.status == status && client.reason == reason) return Result::client_status_unchanged;
  *previous = client.status;
  client.status = status;
  client.reason = reason;
  return Result::ok;
}

Result ClientRegistry::movable_slow(uint64_t client_id) const {
  const Client* client = find(client_id);
  if (client == nullptr) return require_registered_ ? Result::client_not_registered : Result::ok;
  switch (client->status) {
    case ClientStatus::active: return Result::ok;
    case ClientStatus::pending: return Result::client_pending;
    case ClientStatus::frozen: return Result::client_frozen;
    case ClientStatus::offboarded: return Result::client_offboarded;
  }
  QZ_ASSERT_MSG(false, "a client with an unknown status");
  return Result::client_frozen;
}

std::vector<const Client*> ClientRegistry::by_id() const {
  std::vector<const Client*> sorted;
  sorted.reserve(clients_.size());
  for (const Client& client : clients_) sorted.push_back(&client);
  std::sort(sorted.begin(), sorted.end(), [](const Client* a, const Client* b) { return a->id < b->id; });
  return sorted;
}

namespace {

void write_client(ByteWriter* out, const Client& client) {
  out->u64(client.id);
  out->u8(static_cast<uint8_t>(client.facts.classification));
  out->u8(client.facts.kyc_tier);
  out->bytes(client.facts.residence, 2);
  out->bytes(client.facts.nationality, 2);
  out->u8(client.facts.knowledge_test_passed ? 1 : 0);
  out->u8(static_cast<uint8_t>(client.status));
  out->u16(static_cast<uint16_t>(client.reason));
}

}  // namespace

void ClientRegistry::hash_into(Sha256* hasher) const {
  std::vector<uint8_t> bytes;
  ByteWriter out(&bytes);
  write_snapshot(&out);
  hasher->update(bytes.data(), bytes.size());
}

void ClientRegistry::write_snapshot(ByteWriter* out) const {
  out->u8(require_registered_ ? 1 : 0);
  out->u64(clients_.size());
  for (const Client* client : by_id()) write_client(out, *client);
}

bool ClientRegistry::read_snapshot(ByteReader* in) {
  QZ_ASSERT(clients_.empty());
  constexpr size_t kClientBytes = 8 + 1 + 1 + 2 + 2 + 1 + 1 + 2;
  const uint8_t require = in->u8();
  if (require > 1) return false;
  require_registered_ = require == 1;
  const uint64_t count = in->u64();
  if (!in->ok() || count > in->remaining() / kClientBytes || count >= UINT32_MAX) return false;
  uint64_t previous_id = 0;
  for (uint64_t i = 0; i < count; i++) {
    Client client;
    client.id = in->u64();
    client.facts.classification = static_cast<ClientClass>(in->u8());
    client.facts.kyc_tier = in->u8();
    in->bytes(client.facts.residence, 2);
    in->bytes(client.facts.nationality, 2);
    const uint8_t test = in->u8();
    const uint8_t status = in->u8();
    const uint16_t reason = in->u16();
    if (!in->ok() || client.id <= previous_id || test > 1 || !status_known(status) ||
        reason > kMaxClientStatusReason || !facts_valid(client.facts)) {
      return false;
    }
    client.facts.knowledge_test_passed = test == 1;
    client.status = static_cast<ClientStatus>(status);
    client.reason = static_cast<ClientStatusReason>(reason);
    if (!reason_fits(client.status, client.reason)) return false;
    clients_.push_back(client);
    QZ_ASSERT(index_.insert(client.id, static_cast<uint32_t>(clients_.size() - 1)));
    previous_id = client.id;
  }
  return check_invariants().empty();
}

std::string ClientRegistry::check_invariants() const {
  if (index_.size() != clients_.size()) return "clients: index and list differ in size";
  for (size_t i = 0; i < clients_.size(); i++) {
    const Client& client = clients_[i];
    const std::string who = "clients: client " + std::to_string(client.id);
    const uint32_t* position = client.id == 0 ? nullptr : index_.find(client.id);
    if (position == nullptr || *position != i) return who + " is not indexed at its place";
    if (!facts_valid(client.facts)) return who + " has invalid facts";
    if (!status_known(static_cast<uint8_t>(client.status))) return who + " has an unknown status";
    if (!reason_fits(client.status, client.reason)) return who + " has a reason that does not fit its status";
  }
  return {};
}

}  // namespace qz
