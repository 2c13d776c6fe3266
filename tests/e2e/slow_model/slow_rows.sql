-- Rows made on the fly, eight billion of them: a query over all of them runs
-- for minutes, long enough to cancel (tests/e2e/test_http_calls.py); filtered
-- on `part` it takes milliseconds to seconds.
select a.range as row_id, b.range as part, date '2024-01-01' as row_day
from range(80000) as a cross join range(100000) as b
