#include "base/result.h"

namespace qz {

const char* result_name(Result result) {
  switch (result) {
#define QZ_RESULT_NAME(name, number, message) \
  case Result::name: return #name;
    QZ_RESULT_CODES(QZ_RESULT_NAME)
#undef QZ_RESULT_NAME
  }
  return "unknown";
}

const char* result_message(Result result) {
  switch (result) {
#define QZ_RESULT_MESSAGE(name, number, message) \
  case Result::name: return message;
    QZ_RESULT_CODES(QZ_RESULT_MESSAGE)
#undef QZ_RESULT_MESSAGE
  }
  return "unknown result code";
}

bool result_is_known(uint32_t number) {
  switch (number) {
#define QZ_RESULT_KNOWN(name, value, message) case value:
    QZ_RESULT_CODES(QZ_RESULT_KNOWN)
#undef QZ_RESULT_KNOWN
    return true;
    default: return false;
  }
}

}  // namespace qz
