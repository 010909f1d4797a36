using k8s;
using k8s.Models;

namespace ChatKit.IntegrationTests.Deployment;

/// <summary>
/// deploy/k8s renders with <c>kubectl kustomize</c> and passes two schema checks: KubernetesClient's typed models loaded
/// strictly (an unknown or misspelt field fails) and kubernetes-models' compiled OpenAPI schemas (types, formats,
/// required fields). Then the production overlay is checked against the contract, and its ConfigMap starts the service.
/// </summary>
public sealed class KubernetesManifestTests
{
    private static readonly string K8s = Path.Combine(ExternalTools.RepositoryRoot, "deploy", "k8s");

    [TestCase("base")]
    [TestCase("overlays/production")]
    public async Task Kustomize_Renders_AndEveryObjectPassesBothSchemaChecks(string directory)
    {
        var yaml = await RenderAsync(directory);
        var file = Path.Combine(Path.GetTempPath(), $"chatkit-k8s-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, yaml);
        try
        {
            var objects = KubernetesYaml.LoadAllFromString(yaml, strict: true);
            Assert.That(objects.Select(o => o.GetType().Name), Is.EquivalentTo(new[]
            {
                nameof(V1ConfigMap), nameof(V1Service), nameof(V1Deployment), nameof(V1Job), nameof(V1PodDisruptionBudget), nameof(V2HorizontalPodAutoscaler),
            }));

            await ExternalTools.EnsureInstalledAsync();
            var check = await ExternalTools.RunAsync("node", ["validate-k8s.mjs", file], ExternalTools.ToolsDirectory, TimeSpan.FromMinutes(1));
            Assert.That(check.ExitCode, Is.Zero, check.Output);
            Assert.That(check.Output, Does.Contain("6 objects valid, 0 problems"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void StrictLoading_RefusesAMisspeltField()
    {
        const string service = """
            apiVersion: v1
            kind: Service
            metadata: { name: x }
            spec: { ports: [ { port: 80 } ] }
            """;

        Assert.That(KubernetesYaml.LoadAllFromString(service, strict: true).Single(), Is.TypeOf<V1Service>());
        Assert.That(() => KubernetesYaml.LoadAllFromString(service.Replace("ports:", "prots:"), strict: true), Throws.Exception);
    }

    [Test]
    public async Task Production_IsWhatTheContractAsksFor()
    {
        var objects = KubernetesYaml.LoadAllFromString(await RenderAsync("overlays/production"), strict: true);
        var deployment = objects.OfType<V1Deployment>().Single();
        var pod = deployment.Spec.Template.Spec;
        var container = pod.Containers.Single();
        var config = objects.OfType<V1ConfigMap>().Single();

        Assert.That(deployment.Spec.Replicas, Is.GreaterThanOrEqualTo(2));
        Assert.That(container.Image, Does.EndWith(":1.0.0"));
        Assert.That(container.ReadinessProbe.HttpGet.Path, Is.EqualTo("/health/ready"));
        Assert.That(container.LivenessProbe.HttpGet.Path, Is.EqualTo("/health/live"));
        Assert.That(container.Resources.Requests.Keys, Is.SupersetOf(new[] { "cpu", "memory" }));
        Assert.That(container.Resources.Limits.Keys, Does.Contain("memory"));
        Assert.That(container.Ports.Select(p => p.ContainerPort), Is.EquivalentTo(new[] { 8080, 9464 }));
        Assert.That(pod.SecurityContext.RunAsNonRoot, Is.True);
        Assert.That(container.SecurityContext.AllowPrivilegeEscalation, Is.False);
        Assert.That(container.SecurityContext.ReadOnlyRootFilesystem, Is.True);
        Assert.That(deployment.Spec.Template.Metadata.Annotations["prometheus.io/port"], Is.EqualTo("9464"));
        Assert.That(container.EnvFrom.Select(e => e.ConfigMapRef?.Name ?? e.SecretRef?.Name), Is.EquivalentTo(new[] { "chatkit-config", "chatkit-secrets" }));
        Assert.That(config.Data["MIGRATE_ON_STARTUP"], Is.EqualTo("false"));
        Assert.That(
            pod.TerminationGracePeriodSeconds,
            Is.GreaterThan(double.Parse(config.Data["RUN_DRAIN_SECONDS"], System.Globalization.CultureInfo.InvariantCulture) + ChatKit.Api.Options.ShutdownSettings.ExtraForWrites),
            "the pod outlives the drain and the turn writer's time");
        Assert.That(config.Data.Keys.Where(k => k != "ASPNETCORE_ENVIRONMENT"), Is.SubsetOf(ConfigurationVariables.ReadByTheService), "a misspelt key would be ignored");
        Assert.That(config.Data.Keys, Has.None.AnyOf("DATABASE_URL", "JWT_SECRET", "OPENROUTER_API_KEY", "REDIS_URL"));

        var job = objects.OfType<V1Job>().Single().Spec.Template.Spec;
        Assert.That(job.Containers.Single().Args, Is.EqualTo(new[] { "migrate" }));
        Assert.That(job.Containers.Single().Image, Is.EqualTo(container.Image));
        Assert.That(objects.OfType<V1PodDisruptionBudget>().Single().Spec.MinAvailable.Value, Is.EqualTo("1"));
        var hpa = objects.OfType<V2HorizontalPodAutoscaler>().Single().Spec;
        Assert.That(hpa.MinReplicas, Is.GreaterThanOrEqualTo(deployment.Spec.Replicas));
        Assert.That(hpa.ScaleTargetRef.Name, Is.EqualTo(deployment.Metadata.Name));
        var service = objects.OfType<V1Service>().Single();
        Assert.That(service.Spec.Selector, Is.EquivalentTo(deployment.Spec.Selector.MatchLabels));
        Assert.That(service.Spec.Ports.Single().TargetPort.Value, Is.EqualTo("http"));
    }

    [Test]
    public async Task Production_ConfigMap_StartsTheService()
    {
        var objects = KubernetesYaml.LoadAllFromString(await RenderAsync("overlays/production"), strict: true);
        var data = objects.OfType<V1ConfigMap>().Single().Data;

        // The ConfigMap as the pods get it (the Secret's values are the test's own); HOST/PORT bind Kestrel, which the test host replaces.
        var settings = data.Where(kv => kv.Key is not ("HOST" or "PORT" or "METRICS_PORT" or "ASPNETCORE_ENVIRONMENT"))
            .Select(kv => (kv.Key, (string?)kv.Value)).ToArray();
        await using var app = new ChatKitFactory(ChatKitFactory.Settings(null, settings)) { EnvironmentName = data["ASPNETCORE_ENVIRONMENT"] };
        using var client = app.CreateClient();

        Assert.That((await client.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await client.GetAsync("/playground")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    private static Task<string> RenderAsync(string directory) =>
        ExternalTools.RunCheckedAsync(Kubectl, ["kustomize", Path.Combine(K8s, directory)], ExternalTools.RepositoryRoot, TimeSpan.FromMinutes(1));

    private static string Kubectl =>
        ExternalTools.Locate("CHATKIT_TEST_KUBECTL", "/usr/bin/kubectl", "install kubectl (these machines carry it)");
}
