using System.Text.Json.Serialization;
using CloudMarket.Infrastructure;

namespace CloudMarket.Features.Identity;

[JsonConverter(typeof(ApiEnumConverter<UserChangeKind>))]
public enum UserChangeKind
{
    Created,
    NameChanged,
    RoleChanged,
    Deactivated,
    Reactivated,
    PasswordChanged,
}

/// <summary>The audit trail of a user: who changed what, and when. Rows are only ever added.</summary>
public sealed class UserChange
{
    private UserChange() { }

    public UserChange(Guid userId, Guid organizationId, UserChangeKind kind, string? detail, Actor by, DateTime at)
    {
        UserId = userId;
        OrganizationId = organizationId;
        Kind = kind;
        Detail = detail;
        ByUserId = by.UserId;
        ByName = by.Name;
        At = at;
    }

    public long Id { get; private set; }
    public Guid UserId { get; private set; }
    public Guid OrganizationId { get; private set; }
    public UserChangeKind Kind { get; private set; }

    /// <summary>What changed, in words, e.g. "customer → customerAdmin".</summary>
    public string? Detail { get; private set; }

    public Guid ByUserId { get; private set; }

    /// <summary>The actor's name at the time (kept even if that user is later renamed or deleted).</summary>
    public string ByName { get; private set; } = "";

    public DateTime At { get; private set; }
}
