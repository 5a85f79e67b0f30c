// The WebSocket frame decoder and encoder (server/ws_frames.h) against RFC 6455's own examples and its rules.
#include "server/ws_frames.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace qz::server {
namespace {

std::vector<uint8_t> bytes(std::initializer_list<int> values) {
  std::vector<uint8_t> out;
  for (const int v : values) out.push_back(static_cast<uint8_t>(v));
  return out;
}

// A masked client frame.
std::vector<uint8_t> client_frame(uint8_t first, const std::string& payload, const uint8_t mask[4]) {
  std::vector<uint8_t> out{first};
  if (payload.size() < 126) {
    out.push_back(static_cast<uint8_t>(0x80 | payload.size()));
  } else {
    out.push_back(0x80 | 126);
    out.push_back(static_cast<uint8_t>(payload.size() >> 8));
    out.push_back(static_cast<uint8_t>(payload.size()));
  }
  out.insert(out.end(), mask, mask + 4);
  for (size_t i = 0; i < payload.size(); i++) out.push_back(static_cast<uint8_t>(payload[i] ^ mask[i & 3]));
  return out;
}

constexpr uint8_t kMask[4] = {0x37, 0xfa, 0x21, 0x3d};

TEST(WsFrames, DecodesTheRfcMaskedHello) {
  // RFC 6455 section 5.7: a single-frame masked text message "Hello".
  const std::vector<uint8_t> frame = bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  WsFrameReader reader(4096);
  std::vector<WsEvent> events;
  // Byte by byte: nothing until the frame is whole.
  for (size_t end = 0; end < frame.size(); end++) {
    EXPECT_EQ(reader.feed(std::span(frame.data(), end), &events), 0u);
    EXPECT_TRUE(events.empty());
  }
  EXPECT_EQ(reader.feed(frame, &events), frame.size());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, WsEvent::Kind::text);
  EXPECT_EQ(events[0].payload, "Hello");
}

TEST(WsFrames, FragmentsWithAPingBetweenThem) {
  std::vector<uint8_t> stream = client_frame(0x01, "Hel", kMask);  // text, not final
  const std::vector<uint8_t> ping = client_frame(0x89, "p!", kMask);
  const std::vector<uint8_t> tail = client_frame(0x80, "lo", kMask);  // continuation, final
  stream.insert(stream.end(), ping.begin(), ping.end());
  stream.insert(stream.end(), tail.begin(), tail.end());
  WsFrameReader reader(4096);
  std::vector<WsEvent> events;
  EXPECT_EQ(reader.feed(stream, &events), stream.size());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, WsEvent::Kind::ping);
  EXPECT_EQ(events[0].payload, "p!");
  EXPECT_EQ(events[1].kind, WsEvent::Kind::text);
  EXPECT_EQ(events[1].payload, "Hello");
}

TEST(WsFrames, RefusesWhatTheRfcForbids) {
  const auto first_error = [](const std::vector<uint8_t>& stream, size_t max = 4096) {
    WsFrameReader reader(max);
    std::vector<WsEvent> events;
    reader.feed(stream, &events);
    for (const WsEvent& event : events) {
      if (event.kind == WsEvent::Kind::error) return static_cast<int>(event.code);
    }
    return 0;
  };
  EXPECT_EQ(first_error(bytes({0x81, 0x05, 'H', 'e', 'l', 'l', 'o'})), 1002);  // unmasked
  EXPECT_EQ(first_error(client_frame(0xC1, "x", kMask)), 1002);                // a reserved bit
  EXPECT_EQ(first_error(client_frame(0x83, "x", kMask)), 1002);                // opcode 3
  EXPECT_EQ(first_error(client_frame(0x09, "x", kMask)), 1002);                // a fragmented ping
  EXPECT_EQ(first_error(client_frame(0x80, "x", kMask)), 1002);                // continuation of nothing
  EXPECT_EQ(first_error(client_frame(0x88, "x", kMask)), 1002);                // close with one byte
  EXPECT_EQ(first_error(client_frame(0x89, std::string(126, 'x'), kMask)), 1002);  // ping over 125 bytes
  EXPECT_EQ(first_error(client_frame(0x81, std::string(100, 'x'), kMask), 64), 1009);  // too big
  EXPECT_EQ(first_error(client_frame(0x81, "\xff\xfe", kMask)), 1007);             // not UTF-8
  std::vector<uint8_t> nested = client_frame(0x01, "a", kMask);
  const std::vector<uint8_t> second = client_frame(0x81, "b", kMask);
  nested.insert(nested.end(), second.begin(), second.end());
  EXPECT_EQ(first_error(nested), 1002);  // a new message inside a fragmented one
  // A message too big in total, over fragments.
  std::vector<uint8_t> long_message = client_frame(0x01, std::string(40, 'a'), kMask);
  const std::vector<uint8_t> rest = client_frame(0x80, std::string(40, 'b'), kMask);
  long_message.insert(long_message.end(), rest.begin(), rest.end());
  EXPECT_EQ(first_error(long_message, 64), 1009);
}

TEST(WsFrames, CloseCarriesTheCodeAndStopsTheReader) {
  std::vector<uint8_t> stream = client_frame(0x88, std::string("\x03\xe8" "bye", 5), kMask);
  const std::vector<uint8_t> after = client_frame(0x81, "late", kMask);
  stream.insert(stream.end(), after.begin(), after.end());
  WsFrameReader reader(4096);
  std::vector<WsEvent> events;
  reader.feed(stream, &events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, WsEvent::Kind::close);
  EXPECT_EQ(events[0].code, 1000);
  EXPECT_EQ(events[0].payload, "bye");
  EXPECT_TRUE(reader.failed());
  WsFrameReader quiet(4096);
  events.clear();
  quiet.feed(client_frame(0x88, "", kMask), &events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].code, 1005);  // no status code sent
}

TEST(WsFrames, ServerHeadersAndTheAcceptKey) {
  uint8_t head[10];
  ASSERT_EQ(ws_frame_header(kWsText, 5, head), 2u);
  EXPECT_EQ(head[0], 0x81);
  EXPECT_EQ(head[1], 5);
  ASSERT_EQ(ws_frame_header(kWsText, 256, head), 4u);
  EXPECT_EQ(head[1], 126);
  EXPECT_EQ(head[2], 1);
  EXPECT_EQ(head[3], 0);
  ASSERT_EQ(ws_frame_header(kWsBinary, 65536, head), 10u);
  EXPECT_EQ(head[0], 0x82);
  EXPECT_EQ(head[1], 127);
  EXPECT_EQ(head[7], 1);  // 0x0000000000010000
  EXPECT_EQ(head[8], 0);
  // RFC 6455 section 1.3's example.
  EXPECT_EQ(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

}  // namespace
}  // namespace qz::server
