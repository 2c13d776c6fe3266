#include "worker/server/staged_host.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "common/paths.h"
#include "common/temp_dir.h"
#include "gtest/gtest.h"

namespace mfgate::server {
namespace {

const UserIds kOther = {"65532:65532", 65532, 65532};

void Write(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  ASSERT_EQ(chmod(path.c_str(), mode), 0) << path;
}

struct stat Stat(const std::string& path) {
  struct stat st = {};
  EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
  return st;
}

// An engine host as the build tree holds it, in `<dir>/build` (private to
// its owner, as a home directory is), with the system's interpreter.
class StagedHostTest : public testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to hand files to a user";
    auto dir = TempDir::Create("mfgate-staged-", "/tmp");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = std::move(*dir);
    ASSERT_EQ(chmod(dir_->path().c_str(), 0755), 0);
    build_ = dir_->path() + "/build";
    ASSERT_EQ(mkdir(build_.c_str(), 0700), 0);
    for (const char* sub :
         {"/host", "/proto", "/proto/mfgate", "/proto/mfgate/v1"}) {
      ASSERT_EQ(mkdir((build_ + sub).c_str(), 0755), 0);
    }
    Write(build_ + "/host/mf_host.py", "print('host')\n", 0644);
    Write(build_ + "/host/helper.py", "HELP = 1\n", 0644);
    Write(build_ + "/proto/mfgate/v1/engine_pb2.py", "PB = 2\n", 0644);
    Write(build_ + "/sandbox", "#!/bin/sh\n", 0755);
    located_.python = RealPath("/usr/bin/python3");
    located_.script = build_ + "/host/mf_host.py";
    located_.proto_path = build_ + "/proto";
    located_.sandbox = build_ + "/sandbox";
  }

  std::unique_ptr<TempDir> dir_;
  std::string build_;
  engine::EngineHost located_;
};

TEST_F(StagedHostTest, ReadableFollowsModesOfEveryDirectoryAbove) {
  const std::string script = build_ + "/host/mf_host.py";
  EXPECT_FALSE(UserCanRead(script, kOther, false));  // build/ is 0700.
  EXPECT_TRUE(UserCanRead(script, {"root", 0, 0}, false));
  ASSERT_EQ(chmod(build_.c_str(), 0711), 0);
  EXPECT_TRUE(UserCanRead(script, kOther, false));
  EXPECT_FALSE(UserCanRead(script, kOther, /*execute=*/true));
  EXPECT_TRUE(UserCanRead(build_ + "/sandbox", kOther, true));
  ASSERT_EQ(chmod(script.c_str(), 0640), 0);
  EXPECT_FALSE(UserCanRead(script, kOther, false));
  // Its group, or the file's owner.
  ASSERT_EQ(chown(script.c_str(), 0, 65532), 0);
  EXPECT_TRUE(UserCanRead(script, kOther, false));
  ASSERT_EQ(chmod(script.c_str(), 0400), 0);
  ASSERT_EQ(chown(script.c_str(), 65532, 0), 0);
  EXPECT_TRUE(UserCanRead(script, kOther, false));
  EXPECT_FALSE(UserCanRead(build_ + "/missing", kOther, false));
}

TEST_F(StagedHostTest, WhatTheUserCannotReadIsCopiedForIt) {
  auto staged = StageEngineHost(located_, kOther);
  ASSERT_TRUE(staged.ok()) << staged.status();
  ASSERT_NE(staged->copies, nullptr);
  const std::string root = staged->copies->path();
  EXPECT_EQ(staged->host.script, root + "/host/mf_host.py");
  EXPECT_EQ(staged->host.proto_path, root + "/proto");
  EXPECT_EQ(staged->host.sandbox, root + "/mfgate-sandbox");
  EXPECT_EQ(staged->host.python, located_.python);
  for (const std::string& file : {staged->host.script, root + "/host/helper.py",
                                  root + "/proto/mfgate/v1/engine_pb2.py"}) {
    EXPECT_TRUE(UserCanRead(file, kOther, false)) << file;
    EXPECT_EQ(Stat(file).st_mode & 0777, 0444u) << file;
    EXPECT_EQ(Stat(file).st_uid, kOther.uid) << file;
  }
  EXPECT_TRUE(UserCanRead(staged->host.sandbox, kOther, true));
  EXPECT_EQ(Stat(staged->host.sandbox).st_mode & 0777, 0555u);
  auto text = ReadFileUpTo(root + "/host/helper.py", 100);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "HELP = 1\n");
  // The user owns the directory, so that the worker, once it is that user,
  // removes it.
  EXPECT_EQ(Stat(root).st_uid, kOther.uid);
  EXPECT_EQ(Stat(root + "/proto/mfgate").st_uid, kOther.uid);
}

TEST_F(StagedHostTest, NothingIsCopiedWhenTheUserReadsItAll) {
  ASSERT_EQ(chmod(build_.c_str(), 0755), 0);
  auto staged = StageEngineHost(located_, kOther);
  ASSERT_TRUE(staged.ok()) << staged.status();
  EXPECT_EQ(staged->copies, nullptr);
  EXPECT_EQ(staged->host.script, located_.script);
  EXPECT_EQ(staged->host.proto_path, located_.proto_path);
  EXPECT_EQ(staged->host.sandbox, located_.sandbox);
}

TEST_F(StagedHostTest, AnInterpreterTheUserCannotRunIsAnError) {
  located_.python = build_ + "/venv/bin/python";
  ASSERT_EQ(mkdir((build_ + "/venv").c_str(), 0755), 0);
  ASSERT_EQ(mkdir((build_ + "/venv/bin").c_str(), 0755), 0);
  Write(located_.python, "#!/bin/sh\n", 0755);
  auto staged = StageEngineHost(located_, kOther);
  ASSERT_FALSE(staged.ok());
  EXPECT_EQ(staged.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(staged.status().message().find(build_ + "/venv"), std::string::npos)
      << staged.status();
}

}  // namespace
}  // namespace mfgate::server
