using ChatKit.Infrastructure.Persistence;
using Npgsql;

namespace ChatKit.UnitTests.Infrastructure;

public sealed class DatabaseUrlTests
{
    [Test]
    public void Parse_UriWithSslModeAndEncodedPassword_GivesNpgsqlSettings()
    {
        var b = DatabaseUrl.Parse("postgresql://app%40prod:p%2Fss%3Aword@db.example.com:6543/chat%20db?sslmode=require&application_name=ck");

        Assert.That(b.Host, Is.EqualTo("db.example.com"));
        Assert.That(b.Port, Is.EqualTo(6543));
        Assert.That(b.Database, Is.EqualTo("chat db"));
        Assert.That(b.Username, Is.EqualTo("app@prod"));
        Assert.That(b.Password, Is.EqualTo("p/ss:word"));
        Assert.That(b.SslMode, Is.EqualTo(SslMode.Require));
        Assert.That(b.ApplicationName, Is.EqualTo("ck"));
    }

    [Test]
    public void Parse_PostgresSchemeWithoutPort_DefaultsTo5432() =>
        Assert.That(DatabaseUrl.Parse("postgres://u:p@localhost/db").Port, Is.EqualTo(5432));

    [Test]
    public void Parse_KeyValueString_IsTakenAsIs()
    {
        var b = DatabaseUrl.Parse("Host=127.0.0.1;Port=55433;Database=chatkit;Username=chatkit;Password=x");

        Assert.That((b.Host, b.Port, b.Database), Is.EqualTo(("127.0.0.1", 55433, "chatkit")));
    }

    [Test]
    public void FromUrl_WithoutTimeout_SetsAShortConnectTimeout()
    {
        Assert.That(new NpgsqlConnectionStringBuilder(DatabaseConnection.FromUrl("postgresql://u:p@h/db")).Timeout, Is.EqualTo(3));
        Assert.That(new NpgsqlConnectionStringBuilder(DatabaseConnection.FromUrl("Host=h;Timeout=9")).Timeout, Is.EqualTo(9));
    }
}
