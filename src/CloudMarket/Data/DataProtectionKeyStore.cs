using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Data;

/// <summary>
/// Where ASP.NET Core Data Protection keeps its key ring: the <c>DataProtectionKeys</c> table of the app's database
/// (<see cref="AppDbContext"/>'s migrations create it), through a context of its own. Data Protection reads and writes
/// its keys with synchronous calls, which Npgsql refuses on a multiplexed connection (the app's PostgreSQL default,
/// <see cref="DatabaseSetup.TunePostgres"/>); this context's connections are never multiplexed. It maps that one
/// table, as <see cref="AppDbContext"/> does, and has no migrations of its own.
/// </summary>
public sealed class DataProtectionKeyStore(DbContextOptions<DataProtectionKeyStore> options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
}
