namespace CloudMarket.Features.Identity;

/// <summary>
/// One refresh token, stored as its SHA-256 hash (the token itself is shown once, to the client).
/// A token is used once: refreshing marks it used and issues the next token of the same family
/// (one family per sign-in). Presenting a used token again means two parties hold the family, so
/// the whole family is revoked. The security stamp at issue is kept so a password change,
/// deactivation or role change makes every refresh token of the user worthless.
/// </summary>
public sealed class RefreshToken
{
    private RefreshToken() { }

    public RefreshToken(Guid userId, Guid familyId, string tokenHash, string securityStamp, DateTime createdAt, DateTime expiresAt)
    {
        Id = Guid.NewGuid();
        UserId = userId;
        FamilyId = familyId;
        TokenHash = tokenHash;
        SecurityStamp = securityStamp;
        CreatedAt = createdAt;
        ExpiresAt = expiresAt;
    }

    public Guid Id { get; private set; }
    public Guid UserId { get; private set; }
    public Guid FamilyId { get; private set; }
    public string TokenHash { get; private set; } = "";
    public string SecurityStamp { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }
    public DateTime ExpiresAt { get; private set; }
    public DateTime? UsedAt { get; private set; }
    public DateTime? RevokedAt { get; private set; }
}
