// A CSV reader for the list files: OFAC's legacy CSV and the operator CSV (docs/screening.md).
//
// Accepts RFC 4180 records with the quirks of the OFAC files: lines end with CRLF (LF or a lone CR also end a
// line), fields are quoted with '"' where needed ('""' is a quote inside a quoted field, and a quoted field may
// span lines), and a line that holds only the DOS end-of-file byte 0x1A ends the input. Empty lines are skipped.
// Bytes are passed through unchanged; decoding (Latin-1 or UTF-8) is the caller's business.
//
// Malformed input (an unterminated quote, a character after a closing quote, a 0x1A followed by more data) stops
// the reader with an error that names the file and the line; it never reads out of bounds.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace qz::screening::internal {

class CsvReader {
 public:
  // `file_name` only labels error messages.
  CsvReader(std::string_view text, std::string file_name);

  // Reads the next record into *fields and its first line (1-based) into *line. False at the end of the input
  // or on an error; then status() tells which.
  bool next(std::vector<std::string>* fields, size_t* line);

  const Status& status() const { return status_; }
  const std::string& file_name() const { return file_name_; }

 private:
  bool fail(size_t line, const std::string& what);

  std::string_view text_;
  std::string file_name_;
  size_t pos_ = 0;
  size_t line_ = 1;
  Status status_ = Status::ok();
  bool done_ = false;
};

// "sdn.csv:12: what".
std::string at_line(const std::string& file_name, size_t line, const std::string& what);

}  // namespace qz::screening::internal
