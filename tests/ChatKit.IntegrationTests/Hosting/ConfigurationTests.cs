namespace ChatKit.IntegrationTests.Hosting;

public sealed class ConfigurationTests
{
    [TestCase("JWT_SECRET", "too-short", "JWT_SECRET")]
    [TestCase("MAX_MESSAGE_LENGTH", "lots", "MAX_MESSAGE_LENGTH")]
    [TestCase("LLM_TIMEOUT_SECONDS", "0", "LLM_TIMEOUT_SECONDS")]
    [TestCase("DATABASE_URL", "postgresql://u:secret-pw@h:notaport/db", "DATABASE_URL")]
    public void Start_WhenAVariableIsBad_FailsNamingIt(string name, string value, string expected)
    {
        using var app = ChatKitFactory.Create(null, (name, value));

        var ex = Assert.Catch(() => _ = app.Server);

        Assert.That(ex!.ToString(), Does.Contain(expected));
        Assert.That(ex.ToString(), Does.Not.Contain("secret-pw"), "a connection string's password is never echoed");
    }

    [Test]
    public void Start_WhenJwtSecretMissingOutsideDevelopment_Fails()
    {
        using var app = ChatKitFactory.Create(null, ("JWT_SECRET", null));

        var ex = Assert.Catch(() => _ = app.Server);

        Assert.That(ex!.ToString(), Does.Contain("JWT_SECRET must be set"));
    }

    [Test]
    public async Task Start_WithDatabaseUrlInUriForm_Works()
    {
        var b = new Npgsql.NpgsqlConnectionStringBuilder(TestEnvironment.DatabaseUrl);
        var uri = $"postgresql://{Uri.EscapeDataString(b.Username!)}:{Uri.EscapeDataString(b.Password!)}@{b.Host}:{b.Port}/{b.Database}?sslmode=disable";
        await using var app = ChatKitFactory.Create(null, ("DATABASE_URL", uri));
        using var client = app.ClientFor();

        Assert.That((await client.PostAsync(ChatApi.Sessions, null)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
