// Each test gets a fresh fixture, so substitutes never carry calls from one test into another.
[assembly: NUnit.Framework.FixtureLifeCycle(NUnit.Framework.LifeCycle.InstancePerTestCase)]
