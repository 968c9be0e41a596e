using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AbuseLeaks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "VisibleUpdatedAt",
                table: "Orders",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            migrationBuilder.AddColumn<int>(
                name: "VisibleVersion",
                table: "Orders",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            // Existing orders start from their full stamp; from here on the visible one moves only with visible changes.
            migrationBuilder.Sql("UPDATE \"Orders\" SET \"VisibleVersion\" = \"Version\", \"VisibleUpdatedAt\" = \"UpdatedAt\";");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "VisibleUpdatedAt",
                table: "Orders");

            migrationBuilder.DropColumn(
                name: "VisibleVersion",
                table: "Orders");
        }
    }
}
