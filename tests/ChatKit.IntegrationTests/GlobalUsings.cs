global using System.Net;
global using ChatKit.IntegrationTests.Infrastructure;
global using ChatKit.Testing;
