using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class WorkspaceApi : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "InternalNote",
                table: "Orders",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Orders_CustomerId_Id",
                table: "Orders",
                columns: new[] { "CustomerId", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Orders_CustomerId_Id",
                table: "Orders");

            migrationBuilder.DropColumn(
                name: "InternalNote",
                table: "Orders");
        }
    }
}
