namespace ChatKit.Application.Runs.Engine;

/// <summary>
/// The one estimate of tokens from text, about 4 characters a token: what a starting run reserves against its user's
/// budget, and what the ledger records for a model call whose usage the upstream never reported.
/// </summary>
public static class TokenEstimate
{
    public static int Of(int characters) => (characters + 3) / 4;
}
