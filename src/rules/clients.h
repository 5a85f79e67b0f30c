// The client registry: the facts about each client that decide about money, inside the deterministic core.
//
// A client is a user id (the owner of accounts, the actor of commands). The registry keeps what the engine's
// gates read: classification (retail / professional), KYC tier 0-3, residence and nationality (ISO 3166-1
// alpha-2), whether the knowledge test was passed, and the status (pending, active, frozen, offboarded) with
// the reason it was last set. Names, documents and addresses are personal data and stay outside the core (the
// native API's client records); the registry holds no text but the two country codes.
//
// Status changes (set_status): pending -> active | frozen | offboarded; active <-> frozen; active | frozen ->
// offboarded; a status may be set again with another reason. Offboarded is final. A frozen client moves nothing out (docs/clients.md): the engine checks
// movable() before every debit of the client's accounts and every order of the client.
//
// Invariants (check_invariants): every entry has a known class, tier <= 3, two upper-case letters per country,
// a known status and a reason in range. Deterministic: the flat map is for lookup only; hashing and snapshots
// walk the clients in id order. Single-threaded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/flat_map.h"
#include "base/result.h"
#include "base/sha256.h"

namespace qz {

enum class ClientClass : uint8_t { retail = 1, professional = 2 };
enum class ClientStatus : uint8_t { pending = 1, active = 2, frozen = 3, offboarded = 4 };
inline constexpr uint8_t kMaxKycTier = 3;

// Why a status was set. Stable numbers (they are journaled and hashed).
enum class ClientStatusReason : uint16_t {
  none = 0,
  registered = 1,            // pending since registration
  kyc_approved = 2,          // the checks passed: active
  compliance_review = 3,     // frozen for a review (a monitoring alert, a case)
  sanctions_match = 4,       // a confirmed screening hit
  court_order = 5,           // frozen or offboarded by an authority's order
  review_cleared = 6,        // unfrozen after a review
  client_request = 7,        // offboarded at the client's request
  kyc_refused = 8,           // offboarded: the checks failed
  dormant = 9,               // offboarded after a long inactivity
};
inline constexpr uint16_t kMaxClientStatusReason = 9;

const char* client_class_name(ClientClass value);            // "retail"; "unknown" otherwise
const char* client_status_name(ClientStatus value);          // "pending"; "unknown" otherwise
const char* client_status_reason_name(ClientStatusReason value);  // "kyc_approved"; "unknown" otherwise

struct ClientFacts {
  ClientClass classification = ClientClass::retail;
  uint8_t kyc_tier = 0;
  char residence[2] = {0, 0};    // ISO 3166-1 alpha-2, e.g. "KZ"
  char nationality[2] = {0, 0};
  bool knowledge_test_passed = false;
};

struct Client {
  uint64_t id = 0;
  ClientFacts facts;
  ClientStatus status = ClientStatus::pending;
  ClientStatusReason reason = ClientStatusReason::none;
};

// True when both characters are A-Z.
bool country_code_valid(const char code[2]);

class ClientRegistry {
 public:
  ClientRegistry() = default;

  // client_id_invalid (0), client_facts_invalid (class, tier or a country code), client_exists. A new client is
  // pending (reason registered).
  [[nodiscard]] Result register_client(uint64_t client_id, const ClientFacts& facts);
  // client_id_invalid, client_facts_invalid, client_not_found, client_offboarded (an offboarded client's facts
  // are closed). Status and reason stay.
  [[nodiscard]] Result update_facts(uint64_t client_id, const ClientFacts& facts);
  // client_id_invalid, client_status_invalid (status or reason unknown, or a reason that does not fit the
  // status), client_not_found, client_offboarded, client_status_unchanged (already in that status for that
  // reason; the same status with another reason is a change). *previous
  // is the status before.
  [[nodiscard]] Result set_status(uint64_t client_id, ClientStatus status, ClientStatusReason reason,
                                  ClientStatus* previous);

  // The client, or nullptr when the id was never registered. Valid until the next registration.
  const Client* find(uint64_t client_id) const;
  uint64_t size() const { return clients_.size(); }
  // Calls f(client) for every client in id order.
  template <typename F>
  void for_each(F&& f) const {
    for (const Client* client : by_id()) f(*client);
  }

  // The venue's policy: when set, only registered clients may move money out (an unknown client is
  // client_not_registered); when clear (the default), the registry's statuses bind only the clients it knows.
  void set_require_registered(bool on) { require_registered_ = on; }
  bool require_registered() const { return require_registered_; }

  // ok when a client may move money out: active, or unknown while the policy allows it; else client_pending,
  // client_frozen, client_offboarded or client_not_registered.
  Result movable(uint64_t client_id) const {
    if (clients_.empty() && !require_registered_) return Result::ok;  // the common case of a venue without KYC
    return movable_slow(client_id);
  }

  void hash_into(Sha256* hasher) const;
  std::string check_invariants() const;
  // Format: require_registered u8 | count u64 | per client in id order: id u64 | class u8 | tier u8 | residence 2 bytes |
  // nationality 2 bytes | knowledge test u8 | status u8 | reason u16.
  void write_snapshot(ByteWriter* out) const;
  // Into an empty registry; false on malformed input (ids not strictly increasing, a field out of range).
  [[nodiscard]] bool read_snapshot(ByteReader* in);

 private:
  Result movable_slow(uint64_t client_id) const;
  static bool facts_valid(const ClientFacts& facts);
  std::vector<const Client*> by_id() const;  // every client, in id order

  std::vector<Client> clients_;  // in registration order
  FlatMap<uint32_t> index_;      // client id -> position in clients_
  bool require_registered_ = false;
};

}  // namespace qz
