// libFuzzer target: travel-rule records (app/ivms101.h).
//
// Input: any bytes as an IVMS101 JSON record. parse_ivms101 never crashes; on failure the message starts with
// "ivms101: " and the record is empty (nothing half-read); on success every person has a name within 100
// characters, the presence bits are known ones, the gate answers with one of its codes for either counterparty,
// and the digest is a function of the record.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "app/ivms101.h"
#include "base/assert.h"
#include "rules/travel_rule.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  qz::app::Ivms101Record record;
  const qz::Status status = qz::app::parse_ivms101(text, &record);
  if (!status.is_ok()) {
    QZ_ASSERT(status.message().rfind("ivms101: ", 0) == 0);
    QZ_ASSERT(record.originators.empty() && record.beneficiaries.empty() && record.originator_accounts.empty() &&
              record.beneficiary_accounts.empty());
    return 0;
  }
  for (const auto* persons : {&record.originators, &record.beneficiaries}) {
    for (const qz::app::Ivms101Person& person : *persons) {
      QZ_ASSERT(!person.name.empty());
      QZ_ASSERT(person.country.size() <= 2 * 4);  // two characters of up to 4 bytes each
    }
  }
  const uint32_t fields = qz::app::travel_rule_fields(record);
  QZ_ASSERT((fields & ~qz::kTravelKnownFields) == 0);
  QZ_ASSERT((fields & qz::kTravelOwnershipDeclared) == 0);
  for (const qz::Counterparty counterparty : {qz::Counterparty::vasp, qz::Counterparty::self_hosted}) {
    for (const int64_t cents : {int64_t{0}, int64_t{999'99}, int64_t{1'000'00}}) {
      const qz::Result result = qz::check_travel_rule(fields, counterparty, cents);
      QZ_ASSERT(result == qz::Result::ok || (static_cast<uint32_t>(result) >= 619 && static_cast<uint32_t>(result) <= 624));
    }
  }
  QZ_ASSERT(qz::app::ivms101_digest(record) == qz::app::ivms101_digest(record));
  qz::app::Ivms101Record again;
  QZ_ASSERT(qz::app::parse_ivms101(text, &again).is_ok());
  QZ_ASSERT(qz::app::ivms101_digest(again) == qz::app::ivms101_digest(record));
  return 0;
}
