// libFuzzer target: client records (kyc/record.h).
//
// Input: any bytes as a client record's JSON. parse_client_record never crashes; on failure the message starts
// with "client record: " and the record is left empty; on success the record keeps the format's promises (a
// positive id, assigned country codes, real dates, owners only for companies with shares summing to at most
// 100 percent) and its canonical JSON parses back to an equal record and is a fixed point.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/assert.h"
#include "kyc/record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  qz::kyc::ClientRecord record;
  const qz::Status status = qz::kyc::parse_client_record(text, &record);
  if (!status.is_ok()) {
    QZ_ASSERT(status.message().rfind("client record: ", 0) == 0);
    QZ_ASSERT(record == qz::kyc::ClientRecord{});
    return 0;
  }
  QZ_ASSERT(record.id != 0);
  QZ_ASSERT(!record.name.latin.empty());
  QZ_ASSERT(qz::kyc::country_code_assigned(record.nationality) && qz::kyc::country_code_assigned(record.residence));
  QZ_ASSERT(record.kyc_tier <= 3);
  if (record.kind == qz::kyc::ClientKind::person) {
    QZ_ASSERT(qz::kyc::calendar_date_valid(record.date_of_birth));
    QZ_ASSERT(record.owners.empty() && record.registration_number.empty());
  } else {
    QZ_ASSERT(!record.owners.empty() && record.owners.size() <= qz::kyc::kMaxOwners);
    uint32_t total = 0;
    for (const qz::kyc::BeneficialOwner& owner : record.owners) {
      QZ_ASSERT(owner.share_hundredths > 0);
      QZ_ASSERT(qz::kyc::calendar_date_valid(owner.date_of_birth));
      total += owner.share_hundredths;
    }
    QZ_ASSERT(total <= qz::kyc::kWholeShareHundredths);
  }
  const std::string canonical = qz::kyc::client_record_json(record);
  qz::kyc::ClientRecord again;
  QZ_ASSERT(qz::kyc::parse_client_record(canonical, &again).is_ok());
  QZ_ASSERT(again == record);
  QZ_ASSERT(qz::kyc::client_record_json(again) == canonical);
  return 0;
}
