#include "common/grpc_status.h"

#include "common/field_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate {
namespace {

using ::testing::ElementsAre;

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

}  // namespace
}  // namespace mfgate
