#include "common/grpc_status.h"

#include "common/field_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(GrpcStatusTest, OkRoundTrips) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(GrpcStatusTest, FieldAndSuggestionsCrossTheWire) {
  absl::Status original = NotFoundFieldError(
      "metrics[0]", "unknown metric 'transaction'", {"transactions", "tx"});
  grpc::Status wire = ToGrpcStatus(original);
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_FALSE(wire.error_details().empty());

  absl::Status back = FromGrpcStatus(wire);
  EXPECT_EQ(back.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(back.message(), original.message());
  EXPECT_EQ(ErrorField(back), "metrics[0]");
  EXPECT_THAT(ErrorSuggestions(back), ElementsAre("transactions", "tx"));
}

TEST(GrpcStatusTest, PlainGrpcErrorKeepsCodeAndMessage) {
  absl::Status back =
      FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "gone"));
  EXPECT_EQ(back.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(back.message(), "gone");
  EXPECT_EQ(ErrorField(back), "");
}

TEST(GrpcStatusTest, GarbageDetailsAreIgnored) {
  absl::Status back = FromGrpcStatus(
      grpc::Status(grpc::StatusCode::INTERNAL, "boom", "\xff\xfe not proto"));
  EXPECT_EQ(back.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ErrorField(back), "");
}

TEST(GrpcStatusTest, ErrorDetailMapsBothWays) {
  v1::ErrorDetail detail;
  detail.set_code(v1::ErrorDetail::ENGINE_UNAVAILABLE);
  detail.set_message("engine restarting");
  detail.set_field("metrics");
  absl::Status status = FromErrorDetail(detail);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ErrorField(status), "metrics");
  EXPECT_EQ(ToErrorDetail(status).code(), v1::ErrorDetail::ENGINE_UNAVAILABLE);

  EXPECT_EQ(ToErrorDetail(FieldError("limit", "too big")).code(),
            v1::ErrorDetail::INVALID_ARGUMENT);
}

// gRPC carries a status in trailers, which the receiving side refuses past
// its metadata limit (8 KiB by default): a status must fit whatever the
// engine said.
TEST(GrpcStatusTest, LongMessagesAndDetailsAreShortenedToFitMetadata) {
  std::string long_message(200000, 'x');
  std::vector<std::string> suggestions(1000, std::string(50, 's'));
  suggestions.insert(suggestions.begin(), std::string(5000, 't'));
  absl::Status original = WithErrorContext(
      absl::FailedPreconditionError("Jinja error: " + long_message),
      std::string(5000, 'f'), suggestions);
  grpc::Status wire = ToGrpcStatus(original);
  EXPECT_LE(wire.error_message().size(), kMaxWireMessageBytes);
  EXPECT_THAT(wire.error_message(), HasSubstr("Jinja error: xxx"));
  EXPECT_THAT(wire.error_message(), HasSubstr("bytes cut)"));
  // Percent-encoding may triple the message; base64 adds a third to the
  // details: both together stay well inside 8 KiB.
  EXPECT_LT(
      3 * wire.error_message().size() + wire.error_details().size() * 4 / 3,
      7u << 10);
  absl::Status back = FromGrpcStatus(wire);
  EXPECT_EQ(back.code(), absl::StatusCode::kFailedPrecondition);
  // A suggestion too long to send is left out, not cut into a wrong name.
  EXPECT_EQ(ErrorSuggestions(back).size(), kMaxWireSuggestions);
  EXPECT_EQ(ErrorSuggestions(back)[0], std::string(50, 's'));
}

TEST(GrpcStatusTest, ShorteningKeepsUtf8Whole) {
  // 'é' is two bytes: a cut through one would leave invalid UTF-8.
  std::string accents;
  for (int i = 0; i < 2000; ++i) accents += "\xc3\xa9";
  std::string cut = ShortenForWire(accents, 101);
  EXPECT_LE(cut.size(), 101u);
  size_t accent_bytes = cut.find(' ');
  ASSERT_NE(accent_bytes, std::string::npos);
  EXPECT_EQ(accent_bytes % 2, 0u) << cut;
  EXPECT_EQ(ShortenForWire("short", 100), "short");
}

}  // namespace
}  // namespace mfgate
