using System.Diagnostics;
using StackExchange.Redis;

namespace ChatKit.IntegrationTests.Edge;

[NonParallelizable]
public sealed class RateLimitTests
{
    [Test]
    public async Task Requests_The31stInAMinute_IsLimitedForThatUserOnly()
    {
        await using var app = ChatKitFactory.Create(null, ("RATE_LIMIT_PER_MINUTE", "30"));
        using var alice = app.ClientFor();
        using var bob = app.ClientFor();
        using var anonymous = app.CreateClient();

        for (var i = 0; i < 30; i++)
        {
            var ok = await (i % 2 == 0 ? alice.GetAsync(ChatApi.Sessions) : alice.PostAsync(ChatApi.Sessions + "/" + Guid.NewGuid() + "/threads", null));
            Assert.That((int)ok.StatusCode, Is.LessThan(429), $"request {i + 1}");

            // The numbers reach the client on every response (IETF RateLimit headers), not only on the 429.
            Assert.That(ok.Headers.GetValues("RateLimit-Policy").Single(), Is.EqualTo("\"default\";q=30;w=60"));
            Assert.That(ok.Headers.GetValues("RateLimit").Single(), Does.StartWith($"\"default\";r={29 - i};t="), $"request {i + 1}");
        }

        var limited = await alice.GetAsync(ChatApi.Sessions);

        await limited.AssertErrorAsync(HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        var retryAfter = int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(retryAfter, Is.InRange(1, 60));
        Assert.That(limited.Headers.GetValues("X-RateLimit-Limit").Single(), Is.EqualTo("30"));
        Assert.That((await bob.GetAsync(ChatApi.Sessions)).StatusCode, Is.EqualTo(HttpStatusCode.OK), "another user has a budget of their own");
        for (var i = 0; i < 35; i++)
        {
            using var health = await anonymous.GetAsync("/health/live");
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK), "health is not limited");
            Assert.That(health.Headers.Contains("RateLimit"), Is.False, "nor does it say so");
        }
    }

    [Test]
    public async Task Requests_TwoInstancesSharingRedis_ShareOneBudget()
    {
        await using var first = ChatKitFactory.Create(null, ("RATE_LIMIT_PER_MINUTE", "10"), ("REDIS_URL", "redis://" + TestEnvironment.RedisUrl));
        await using var second = ChatKitFactory.Create(null, ("RATE_LIMIT_PER_MINUTE", "10"), ("REDIS_URL", TestEnvironment.RedisUrl));
        var sub = ChatKitFactory.NewUser();
        using var a = first.ClientFor(sub);
        using var b = second.ClientFor(sub);
        await WaitUntilRedisCountsAsync(a, sub);
        var used = await RedisCountAsync(sub);

        var statuses = new List<HttpStatusCode>();
        for (var i = used; i < 12; i++)
        {
            statuses.Add((await (i % 2 == 0 ? a : b).GetAsync(ChatApi.Sessions)).StatusCode);
        }

        Assert.That(statuses.Count(s => s == HttpStatusCode.OK), Is.EqualTo(10 - used));
        Assert.That(statuses.Skip(10 - used), Is.All.EqualTo(HttpStatusCode.TooManyRequests));
    }

    [Test]
    public async Task Requests_WhenRedisStops_KeepSucceedingFastAndGoBackToRedisWhenItReturns()
    {
        await using var app = ChatKitFactory.Create(null, ("RATE_LIMIT_PER_MINUTE", "1000"), ("REDIS_URL", TestEnvironment.RedisUrl));
        var sub = ChatKitFactory.NewUser();
        using var client = app.ClientFor(sub);
        await WaitUntilRedisCountsAsync(client, sub);

        await TestEnvironment.ControlAsync("redis", "stop");
        var timings = new List<double>();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var watch = Stopwatch.StartNew();
                var response = await client.GetAsync(ChatApi.Sessions);
                timings.Add(watch.Elapsed.TotalMilliseconds);
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"request {i + 1} with Redis down");
            }
        }
        finally
        {
            await TestEnvironment.ControlAsync("redis", "start");
        }

        timings.Sort();
        await TestContext.Out.WriteLineAsync($"with Redis down: median {timings[10]:0} ms, max {timings[^1]:0} ms");
        Assert.That(timings[10], Is.LessThan(150), "median latency with Redis down");
        Assert.That(timings[^1], Is.LessThan(1000), "no request stalls on Redis");
        await WaitUntilRedisCountsAsync(client, sub);
    }

    internal static async Task WaitUntilRedisCountsAsync(HttpClient client, string sub)
    {
        for (var i = 0; i < 100; i++)
        {
            await client.GetAsync("/api/v1/chatkit/sessions");
            if (await RedisCountAsync(sub) > 0)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("the limiter never counted in Redis");
    }

    internal static async Task<int> RedisCountAsync(string sub)
    {
        try
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(TestEnvironment.RedisUrl + ",abortConnect=false,connectTimeout=500");
            var server = redis.GetServers()[0];
            var total = 0;
            await foreach (var key in server.KeysAsync(pattern: $"chatkit:rl:user:{sub}:*"))
            {
                total += (int)await redis.GetDatabase().StringGetAsync(key);
            }

            return total;
        }
        catch (RedisException)
        {
            return 0;
        }
    }
}
