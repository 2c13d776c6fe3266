#include "worker/server/privileges.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gtest/gtest.h"

namespace mfgate::server {
namespace {

TEST(LookupUserTest, NamesAndNumbers) {
  auto root = LookupUser("root");
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(root->uid, 0u);
  auto numeric = LookupUser("65532:65533");
  ASSERT_TRUE(numeric.ok());
  EXPECT_EQ(numeric->uid, 65532u);
  EXPECT_EQ(numeric->gid, 65533u);
  auto same_group = LookupUser("4242");
  ASSERT_TRUE(same_group.ok());
  EXPECT_EQ(same_group->gid, 4242u);
}

TEST(LookupUserTest, UnknownUserIsAnErrorNamingIt) {
  auto missing = LookupUser("no-such-user-mfgate");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no-such-user-mfgate"),
            std::string::npos);
  EXPECT_FALSE(LookupUser("12:abc").ok());
}

TEST(DropPrivilegesTest, KeepsTheParentDeathSignal) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to drop to another user";
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Exits with the death signal it holds after the drop (0: none, 99: the
    // drop failed).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (!DropPrivileges({"65532:65532", 65532, 65532}).ok()) _exit(99);
    int death_signal = -1;
    prctl(PR_GET_PDEATHSIG, &death_signal);
    _exit(death_signal);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), SIGKILL);
}

}  // namespace
}  // namespace mfgate::server
